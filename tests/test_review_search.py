"""/search/ finds reviews by the words of their headline and body, through a full-text index
on both databases (FTS5 on SQLite, a GIN tsvector index on PostgreSQL): however old the
review, every word of the query as a word prefix, only what anyone may see, following
edits and deletes, safe with any input, in a fixed number of queries.

Most tests search with words from different places (headline and body, far apart in the
body): a plain substring match, as search did before the index, finds none of those."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.helpers import text_of

pytestmark = pytest.mark.django_db


def found(client, q):
    """The ids of the reviews the search page lists for `q`, in page order."""
    response = client.get(reverse("films:search"), {"q": q})
    assert response.status_code == 200, q
    return [review.pk for review in response.context["reviews"]]


def index_is_consistent():
    """SQLite's own check of the FTS table against the reviews table (rank 1 compares the
    index with the content). Always true on PostgreSQL: a trigger keeps the stored
    document, and PostgreSQL its index."""
    if connection.vendor != "sqlite":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reviews_review_fts(reviews_review_fts, rank) VALUES ('integrity-check', 1)"
        )
    return True


@pytest.fixture
def airship(make_review, film, make_user):
    return make_review(
        film=film,
        author=make_user(),
        headline="Airship dreams",
        body="A zeppelin drifts over the harbour at dawn, near the old lighthouse, and not "
        "a cloud in the sky.",
    )


def test_an_old_review_is_found_whatever_the_number_of_newer_ones(client, airship, film):
    """Search once looked only through the 5,000 most recent reviews."""
    from django.contrib.auth import get_user_model

    from reviews.models import Review

    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"newer{i}", email=f"newer{i}@example.com", password="!")
        for i in range(5_100)
    )
    Review.objects.bulk_create(
        Review(film=film, author=u, rating=6, body="Plain newer words.") for u in users
    )
    assert found(client, "zeppelin") == [airship.pk]
    assert found(client, "lighthouse harbour") == [airship.pk]
    assert found(client, "airship") == [airship.pk]  # the headline


def test_every_word_is_a_word_prefix_in_any_order_and_either_field(client, airship):
    page = text_of(client.get(reverse("films:search"), {"q": "lightho zepp"}))
    assert airship.get_absolute_url() in page
    assert found(client, "Zeppelin Airship") == [airship.pk]
    assert found(client, "air harb dawn") == [airship.pk]
    assert found(client, "zeppelin submarine") == []  # every word must be there
    assert found(client, "eppelin") == []  # the start of a word, not any substring
    assert found(client, "ship") == []


def test_case_and_accents_do_not_matter(client, make_review, film, user):
    review = make_review(film=film, author=user, body="Lunch at the Café Müller, a FAÇADE.")
    assert found(client, "CAFÉ müll façade") == [review.pk]
    if connection.vendor == "sqlite":
        assert found(client, "cafe muller facade") == [review.pk]
        assert found(client, "CAFE MULL") == [review.pk]
    # PostgreSQL's 'simple' text search keeps accents: "cafe" doesn't find "café" there
    # (reviews/search_schema.py).


def test_only_reviews_anyone_may_see_are_found(client, make_review, film, make_users, staff_user):
    from reviews.models import Review, Status

    visible, hidden, rating_only, suspended = make_users(4)
    shown = make_review(film=film, author=visible, headline="Zeppelin", body="Over the harbour.")
    moderated = make_review(film=film, author=hidden, headline="Zeppelin", body="Harbour too.")
    Review.objects.filter(pk=moderated.pk).set_status(Status.HIDDEN)
    make_review(film=film, author=rating_only, headline="Zeppelin harbour", body="")
    make_review(film=film, author=suspended, headline="Zeppelin", body="Harbour again.")
    suspended.set_suspended(True)

    assert found(client, "zeppelin harbour") == [shown.pk]

    Review.objects.filter(pk=moderated.pk).set_status(Status.PUBLISHED)
    suspended.set_suspended(False)
    assert len(found(client, "zeppelin harbour")) == 3  # restored, the index never forgot
    assert index_is_consistent()


def test_an_edit_is_found_by_its_new_words_only(client, login, user, film, make_review):
    review = make_review(film=film, author=user, headline="Airship", body="A zeppelin at dawn.")
    assert found(client, "airship zeppelin") == [review.pk]

    response = login(user).post(
        reverse("reviews:edit", args=[review.pk]),
        {"rating": "8", "headline": "Balloon", "body": "A dirigible at dusk."},
    )
    assert response.status_code == 302
    assert found(client, "balloon dirigible") == [review.pk]
    assert found(client, "dirigible dusk") == [review.pk]
    assert found(client, "zeppelin") == []
    assert found(client, "airship") == []
    assert index_is_consistent()


def test_a_deleted_review_is_no_longer_found(client, login, user, film, make_review):
    review = make_review(film=film, author=user, headline="Airship", body="A zeppelin at dawn.")
    assert found(client, "airship dawn") == [review.pk]

    response = login(user).post(reverse("reviews:delete", args=[review.pk]))
    assert response.status_code == 302
    assert found(client, "airship dawn") == []
    assert index_is_consistent()


@pytest.mark.parametrize(
    "q",
    ['"zeppelin"', "zeppelin*", "-zeppelin", "(zeppelin)", "zeppelin:", "^zeppelin", "'zeppelin'"],
)
def test_search_syntax_in_the_query_is_just_punctuation(client, airship, q):
    assert found(client, q) == [airship.pk]


def test_search_operators_are_words(client, airship):
    # The review has "near", "not" and "and": just words to look for here.
    assert found(client, "NEAR(zeppelin") == [airship.pk]
    assert found(client, "zeppelin NOT harbour") == [airship.pk]
    assert found(client, "zeppelin AND harbour") == [airship.pk]
    assert found(client, "zeppelin:* & harbour") == [airship.pk]
    assert found(client, "zeppelin !harbour") == [airship.pk]
    # No "or": every word must be there. No column filter: "headline" is a word it lacks.
    assert found(client, "zeppelin OR submarine") == []
    assert found(client, "zeppelin | submarine") == []
    assert found(client, "headline:airship") == []


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        '"zeppelin',
        "*",
        "**",
        "NEAR(",
        "NEAR(a b, 2)",
        "AND",
        "OR NOT",
        ":",
        "(",
        ")",
        "{zeppelin}",
        "zeppelin - -",
        "\\",
        "'",
        "':*",
        "& | !",
        "<->",
        "%_%",
        "zeppelin " * 2_000,
        "zeppelinzeppelin" * 500,
        " ".join(f"w{i}" for i in range(300)),
        "zeppelin\x01\x1f",
        "🎬🍿",
        "ß" * 300,
        "\u0301\u0301",
        "½ ² Ⅻ",
    ],
)
def test_no_query_breaks_the_review_search(client, airship, q):
    from reviews.search import search_reviews

    assert list(search_reviews(q)) in ([], [airship])
    response = client.get(reverse("films:search"), {"q": q})
    assert response.status_code == 200


def test_nul_bytes_in_a_query_are_harmless(rf, airship):
    """The site's middleware turns away NUL bytes; the search itself copes with them too."""
    from django.contrib.auth.models import AnonymousUser

    from films.views import search as search_view
    from reviews.search import search_reviews

    assert list(search_reviews("\x00zeppelin\x00")) == [airship]
    request = rf.get("/search/", {"q": "\x00zeppelin\x00"})
    request.user = AnonymousUser()
    response = search_view(request)
    assert response.status_code == 200
    assert airship.get_absolute_url() in response.content.decode()


@pytest.mark.parametrize("q", ["a", "a b c", "é", "a-b", "1 2 3", "x*"])
def test_queries_without_a_real_word_find_no_reviews(client, make_review, film, user, q):
    make_review(film=film, author=user, headline="A b c", body="A é x 1 2 3 a-b x* à la.")
    assert found(client, q) == []


def test_only_the_most_recent_matches_are_ranked(
    client, monkeypatch, make_review, film, make_users
):
    """A very common word is bounded: the page picks the most liked among the newest
    MATCH_LIMIT matching reviews, not among all of them."""
    from reviews import search

    monkeypatch.setattr(search, "MATCH_LIMIT", 3)
    reviews = [
        make_review(film=film, author=author, body=f"Zeppelin number {i}.")
        for i, author in enumerate(make_users(5))
    ]
    assert sorted(found(client, "zeppelin")) == [r.pk for r in reviews[2:]]


def test_review_search_queries_do_not_grow_with_results(
    client, make_review, film, make_users, make_film, django_assert_max_num_queries
):
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for author in make_users(n):
            make_review(film=film, author=author, headline="Airship", body="Zeppelin at dawn.")

    add(2)
    client.get(reverse("films:search"), {"q": "airship zeppelin"})  # warm up
    with CaptureQueriesContext(connection) as few:
        assert len(found(client, "airship zeppelin")) == 2
    add(23)
    with CaptureQueriesContext(connection) as many:
        assert len(found(client, "airship zeppelin")) == 20  # a page's worth
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as no_words:
        assert found(client, "a") == []
    assert len(no_words) <= len(few)


def test_sqlite_finds_the_page_from_the_matches_not_from_every_published_review(
    airship, make_review, film, make_users
):
    """Without ANALYZE statistics SQLite takes "status = ?" for a handful of rows: a status
    filter outside the match list made it walk every published review by that index."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's query plan")
    from reviews.search import search_reviews

    for author in make_users(3):
        make_review(film=film, author=author, body="Nothing about it.")
    sql, params = search_reviews("zeppelin").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = [row[-1] for row in cursor.fetchall()]
    assert not [step for step in plan if "INDEX review_" in step], plan  # e.g. (status=?)
    assert any("VIRTUAL TABLE" in step for step in plan), plan


def test_review_search_triggers_come_back_after_a_table_rebuild(client, user, film, make_review):
    """SQLite drops a table's triggers when a migration rebuilds it; post_migrate puts
    them back and rebuilds the index, which missed the writes made meanwhile."""
    from django.core.management.sql import emit_post_migrate_signal

    from reviews.search_schema import ensure_sqlite_review_search_triggers

    if connection.vendor != "sqlite":
        assert ensure_sqlite_review_search_triggers(connection) == []
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER reviews_review_ai")
        cursor.execute("DROP TRIGGER reviews_review_au")
    review = make_review(film=film, author=user, body="Written while the index was broken.")
    assert found(client, "broken") == []

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert found(client, "broken") == [review.pk]
    assert ensure_sqlite_review_search_triggers(connection) == []
    review.body = "Mended."
    review.save()
    assert found(client, "mended") == [review.pk]
    assert index_is_consistent()


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's stored search document (migration 0008)")


def sixty_reviews(film, prefix, body):
    """Sixty reviews of `film`, oldest first, the i-th by a member of its own with
    body(i) as its text. Returns their ids, oldest first."""
    from django.contrib.auth import get_user_model

    from reviews.models import Review

    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com", password="!")
        for i in range(60)
    )
    reviews = Review.objects.bulk_create(
        Review(film=film, author=u, rating=6, body=body(i)) for i, u in enumerate(users)
    )
    return [r.pk for r in reviews]


def search_function(words, max_matches=4, counter="pg_stat_get_xact_numscans"):
    """The search function's ids for `words` (each a prefix), newest first, and how far
    `counter`, a statistics function of the GIN index for this transaction, moved."""
    from reviews.search import postgres_matching_sql

    reading = f"SELECT {counter}('reviews_review_search_document'::regclass)"
    call, params = postgres_matching_sql(words, max_matches)
    with connection.cursor() as cursor:
        cursor.execute(reading)
        before = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT array_agg(ids ORDER BY ids DESC) FROM ({call}) AS found (ids)", params
        )
        found_ids = cursor.fetchone()[0] or []
        cursor.execute(reading)
        return found_ids, cursor.fetchone()[0] - before


def stored_document(review):
    """The review's search_document column, which the model doesn't declare, as text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_document::text FROM reviews_review WHERE id = %s", [review.pk]
        )
        return cursor.fetchone()[0]


def test_postgresql_answers_from_the_stored_document(client, make_review, film, user):
    """Search reads the search_document column through its GIN index; 0007's expression
    index, which re-parsed the text of every review it had to check, is gone."""
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reviews_review'"
        )
        indexes = dict(cursor.fetchall())
    assert "reviews_review_text_fts" not in indexes
    assert "gin (search_document)" in indexes["reviews_review_search_document"]

    review = make_review(film=film, author=user, body="A zeppelin.")
    with connection.cursor() as cursor:
        # Setting the column alone fires no trigger: the search sees what is stored.
        cursor.execute(
            "UPDATE reviews_review SET search_document = to_tsvector('simple', 'dirigible') "
            "WHERE id = %s",
            [review.pk],
        )
    assert found(client, "zeppelin") == []
    assert found(client, "dirigible") == [review.pk]


def test_postgresql_the_orm_writes_fill_the_stored_document(client, film, make_users):
    """The model doesn't know the column: the trigger fills it on create, save and
    bulk_create."""
    from reviews.models import Review

    postgresql_only()
    first, second, third = make_users(3)
    created = Review.objects.create(
        film=film, author=first, rating=7, headline="Airship", body="Over the harbour."
    )
    (bulk,) = Review.objects.bulk_create(
        [Review(film=film, author=second, rating=6, body="A zeppelin at dawn.")]
    )
    saved = Review(film=film, author=third, rating=5, headline="Lighthouse", body="Foghorn.")
    saved.save()

    assert stored_document(created) == "'airship':1 'harbour':4 'over':2 'the':3"
    assert "'zeppelin'" in stored_document(bulk)
    assert found(client, "airship harbour") == [created.pk]
    assert found(client, "zeppelin dawn") == [bulk.pk]
    assert found(client, "lighthouse foghorn") == [saved.pk]


def test_postgresql_an_edit_of_the_text_re_indexes(client, make_review, film, user):
    from reviews.models import Review

    postgresql_only()
    review = make_review(film=film, author=user, headline="Airship", body="A zeppelin.")

    review.body = "A dirigible at dusk."
    review.save()
    assert found(client, "airship dirigible") == [review.pk]
    assert found(client, "zeppelin") == []

    Review.objects.filter(pk=review.pk).update(headline="Balloon")
    assert found(client, "balloon dusk") == [review.pk]
    assert found(client, "airship") == []
    assert "'airship'" not in stored_document(review)


def test_postgresql_other_updates_keep_the_stored_document(client, make_review, film, user):
    """An update that leaves the headline and body alone keeps the document as it is: not
    emptied, and not parsed again (Model.save() writes every column, text included)."""
    from reviews.models import Review, Status

    postgresql_only()
    review = make_review(film=film, author=user, headline="Airship", body="A zeppelin.")
    before = stored_document(review)

    Review.objects.filter(pk=review.pk).update(rating=3)
    review.refresh_from_db()
    review.contains_spoilers = True
    review.save()
    Review.objects.filter(pk=review.pk).set_status(Status.HIDDEN)
    Review.objects.filter(pk=review.pk).set_status(Status.PUBLISHED)
    assert stored_document(review) == before
    assert found(client, "airship zeppelin") == [review.pk]

    # Not parsed again: a marker stored behind the trigger's back survives a save that
    # writes the same text.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE reviews_review SET search_document = to_tsvector('simple', 'marker') "
            "WHERE id = %s",
            [review.pk],
        )
    review.refresh_from_db()
    review.rating = 4
    review.save()
    assert stored_document(review) == "'marker':1"


def test_postgresql_migration_0008_reverses_and_reapplies(client, make_review, film, make_users):
    """Back to 0007: its expression index and function, the column, trigger and index
    gone, search still working; forward again: reviews written meanwhile are indexed."""
    from django.db.migrations.executor import MigrationExecutor

    postgresql_only()
    first, second = make_users(2)
    old = make_review(film=film, author=first, headline="Airship", body="A zeppelin.")

    def migrate(name=None):
        """To reviews migration `name`, or (None) to the latest."""
        # Django's foreign keys are deferred: ALTER TABLE refuses a table with checks pending.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        target = ("reviews", name) if name else executor.loader.graph.leaf_nodes("reviews")[0]
        executor.migrate([target])
        return executor.loader.project_state(target).apps

    def found_ids(q):
        """What 0007's search function finds for the words of `q`, each a prefix. Not
        search_reviews: since 0011 the function takes the words one by one."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT array_agg(ids ORDER BY ids) FROM "
                "reviews_review_search_ids(to_tsquery('simple', %s), 20) AS ids",
                [" & ".join(f"{word}:*" for word in q.split())],
            )
            return cursor.fetchone()[0] or []

    def schema():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname::text FROM pg_indexes WHERE tablename = 'reviews_review' "
                "UNION ALL SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'reviews_review'::regclass AND NOT tgisinternal "
                "UNION ALL SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'reviews_review' AND column_name = 'search_document' "
                "UNION ALL SELECT prosrc FROM pg_proc WHERE proname = 'reviews_review_search_ids'"
            )
            return {row[0] for row in cursor.fetchall()}

    latest = schema()
    assert {"reviews_review_search_document", "search_document"} <= latest

    old_apps = migrate("0007_review_search_index")
    back = schema()
    assert "reviews_review_text_fts" in back
    assert "search_document" not in back
    assert "reviews_review_search_document" not in back
    assert any("to_tsvector('simple', coalesce(headline" in text for text in back)
    assert found_ids("airship zeppelin") == [old.pk]
    meanwhile = old_apps.get_model("reviews", "Review").objects.create(
        film_id=film.pk, author_id=second.pk, rating=6, body="A dirigible."
    )
    assert found_ids("dirigible") == [meanwhile.pk]

    migrate()  # through 0008 and what came after it
    assert schema() == latest
    assert found(client, "airship zeppelin") == [old.pk]
    assert found(client, "dirigible") == [meanwhile.pk]
    assert stored_document(meanwhile) == "'a':1 'dirigible':2"


def test_postgresql_both_ways_find_the_newest_matches(client, monkeypatch, film):
    """The search function walks the newest reviews for a word common among them and goes
    through the GIN index otherwise, or when the walk falls short: the same newest
    MATCH_LIMIT matches either way. (A guard on the function's branches; the answers were
    the same before migration 0008.)"""
    from reviews import search

    postgresql_only()
    monkeypatch.setattr(search, "MATCH_LIMIT", 4)  # walk 40 newest, sample the newest one

    def body(i):
        words = ["plain"]
        if i >= 50:
            words.append("everywhere")  # the newest ten: walked
        if i < 6:
            words.append("ancient")  # the six oldest only: never sampled, the index
        if i < 5 or i == 59:
            words.append("straggler")  # sampled in the newest, the rest beyond the walk
        return " ".join(words)

    ids = sixty_reviews(film, "both", body)
    assert search_function(["everywhere"])[0] == ids[59:55:-1]
    assert sorted(found(client, "everywhere")) == ids[56:]
    assert sorted(found(client, "ancient")) == ids[2:6]
    assert sorted(found(client, "straggler")) == [*ids[2:5], ids[59]]


def test_postgresql_a_word_missing_from_the_newest_reviews_is_walked_to(client, film):
    """A word in most older reviews but none of the newest few (a burst of reviews about
    something else) is still found by walking down to it, not by fetching every match
    through the GIN index; a rare word, and a word whose newest matches are too deep to
    walk to, go through the index. The answers are the newest matches every time."""
    postgresql_only()

    def body(i):
        words = ["plain"]
        if i < 50 and i % 2 == 0:
            words.append("buried")  # half the reviews, none of the newest ten
        if i < 6:
            words.append("ancient")  # the oldest six: too deep to walk to
        if i == 30:
            words.append("single")
        if i in (57, 52, 47, 45) or i < 6:
            words.append("sparse")  # the fourth newest deeper than its count, within twice
        if i in (58, 56, 54, 52):
            words.append("quartet")  # just enough probed matches, just within reach
        return " ".join(words)

    ids = sixty_reviews(film, "deep", body)

    def search_ids(word, max_matches=4):
        """The function's ids, newest first, and how many times it scanned the GIN index."""
        return search_function([word], max_matches)

    assert search_ids("buried") == ([ids[48], ids[46], ids[44], ids[42]], 0)
    assert search_ids("sparse") == ([ids[57], ids[52], ids[47], ids[45]], 0)
    assert search_ids("quartet") == ([ids[58], ids[56], ids[54], ids[52]], 0)
    assert search_ids("ancient") == (ids[5:1:-1], 1)
    assert search_ids("single") == ([ids[30]], 1)
    assert search_ids("nowhere") == ([], 1)
    # The newest matches, whatever the limit and however many there are.
    assert search_ids("buried", 30)[0] == ids[48::-2]
    assert search_ids("plain", 100)[0] == ids[::-1]
    assert search_ids("buried", 0) == ([], 0)


def test_postgresql_a_rare_word_alone_goes_through_the_index(client, film):
    """With a common word and a rare one, the GIN index looks up the rare word alone and
    each of its matches is tested against the whole query: the common word's matches are
    never gathered. Without a word much rarer than the rest, the index takes them all."""
    postgresql_only()

    def body(i):
        words = ["plain"]
        if i % 2:
            words.append("half")
        if i in (3, 20, 40):
            words.append("trio")  # only the first has "half" too
        if i % 3 == 0:
            words.append("third")
        if i < 10:
            words.append("early")
        return " ".join(words)

    ids = sixty_reviews(film, "rare", body)

    def search_ids(*words):
        """The function's ids, newest first, and how many entries the GIN index gave."""
        return search_function(words, counter="pg_stat_get_xact_tuples_returned")

    assert search_ids("plain", "trio") == ([ids[40], ids[20], ids[3]], 3)
    assert search_ids("half", "trio") == ([ids[3]], 3)
    assert search_ids("half", "third", "trio") == ([ids[3]], 3)
    # Half and a sixth of the reviews: neither is rare enough to be looked up alone.
    assert search_ids("half", "early") == ([ids[9], ids[7], ids[5], ids[3]], 5)
    # Common enough together to be walked to, or not quite.
    assert search_ids("plain", "half") == ([ids[59], ids[57], ids[55], ids[53]], 0)
    assert search_ids("third", "half") == ([ids[57], ids[51], ids[45], ids[39]], 10)
    # The page finds the same.
    assert found(client, "trio half") == [ids[3]]


def test_postgresql_a_word_without_lexemes_changes_nothing(client, film):
    """A word PostgreSQL's parser finds nothing to index in ("²²", which query_words keeps)
    drops out of the query, whichever plan the function takes: it is never the rare word
    looked up alone, which would find nothing."""
    postgresql_only()
    ids = sixty_reviews(film, "lex", lambda i: "plain love" if i < 10 else "plain")
    with connection.cursor() as cursor:
        cursor.execute("SELECT numnode(to_tsquery('simple', '²²:*'))")
        assert cursor.fetchone()[0] == 0
    assert search_function(["love", "²²"])[0] == ids[9:5:-1]
    assert search_function(["²²", "love"], 40)[0] == ids[9::-1]
    assert search_function(["²²"]) == ([], 0)
    assert sorted(found(client, "love ²²")) == ids[:10]


def sqlite_prefix_lengths():
    """The prefix lengths SQLite's review index keeps lists for, from its CREATE statement."""
    import re

    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'reviews_review_fts'")
        (sql,) = cursor.fetchone()
    return [int(n) for n in re.search(r"prefix='([\d ]+)'", sql).group(1).split()]


def test_sqlite_every_prefix_up_to_twelve_letters_has_its_own_list(client, make_review, film, user):
    """FTS5 answers "ocean"* from a prefix index of exactly that length, reading the newest
    matches first and stopping at the limit; without one it merges the whole lists of every
    word starting "ocean" first (50-60 ms for a common word at 1M reviews). Longer prefixes
    still find what they start."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 prefix indexes")
    assert sqlite_prefix_lengths() == list(range(2, 13))
    word = "Zeppelinesquely"  # 15 letters
    review = make_review(film=film, author=user, body=f"Floated {word}, and crashed.")
    for length in range(2, len(word) + 1):
        assert found(client, word[:length]) == [review.pk], length
    assert found(client, word + "s") == []
    assert index_is_consistent()


@pytest.mark.django_db(transaction=True)
def test_sqlite_migration_0012_reverses_and_reapplies(client, make_review, film, make_users):
    """Back to 0011: 0007's two prefix lengths, search still working and following writes;
    forward again: every length, with what was written meanwhile."""
    from django.db.migrations.executor import MigrationExecutor

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's FTS5 prefix indexes")
    first, second = make_users(2)
    old = make_review(film=film, author=first, headline="Airship", body="A zeppelin.")

    def migrate(name):
        executor = MigrationExecutor(connection)
        executor.migrate([("reviews", name)])
        return executor.loader.project_state(("reviews", name)).apps

    old_apps = migrate("0011_review_search_probes")
    assert sqlite_prefix_lengths() == [2, 3]
    assert found(client, "airsh zeppel") == [old.pk]
    meanwhile = old_apps.get_model("reviews", "Review").objects.create(
        film_id=film.pk, author_id=second.pk, rating=6, body="A dirigible."
    )
    assert found(client, "dirig") == [meanwhile.pk]

    migrate("0012_review_search_prefix_lengths")
    assert sqlite_prefix_lengths() == list(range(2, 13))
    assert found(client, "airsh zeppel") == [old.pk]
    assert found(client, "dirig") == [meanwhile.pk]
    assert index_is_consistent()
