"""Pages run a constant number of queries whatever the number of reviews (DESIGN §7).

Each test renders a page with a minimal data set (one review, with one like and one reply),
counts its queries, grows the data to 20 or to 1,000 reviews (with likes, replies, more
films, genres and countries) and pins the count with django_assert_max_num_queries: an
N+1 anywhere in the page makes the second count larger.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from core.markup import render_markdown
from films.models import Film
from reviews import stats
from reviews.models import Like, Reply, Review


@pytest.fixture(params=[20, 1000], ids=lambda n: f"{n}-reviews")
def big(request):
    """The grown data set: the count at 1 review must hold at 20 and at 1,000."""
    return request.param


@pytest.fixture(autouse=True)
def _render_every_time(settings):
    """Measure the page's own work, not the anonymous page cache (tested on its own)."""
    settings.ANONYMOUS_PAGE_CACHE = False


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def assert_constant(client, url, grow, django_assert_max_num_queries, *, expect_text=None):
    """Count queries for `url` now, call grow(), and require no more queries afterwards.

    Both counts are taken on a second, warm request (session and any cache primed), so
    they compare the page's own work at 1 and at 20 or 1,000 reviews.
    """
    client.get(url)
    baseline = count_queries(client, url)
    grow()
    client.get(url)
    with django_assert_max_num_queries(baseline, info=f"{url}: baseline {baseline}"):
        response = client.get(url)
    assert response.status_code == 200
    if expect_text:
        assert expect_text in response.content.decode(), "the grown data set is not rendered"
    print(f"{url}: {baseline} queries")  # shown with -s
    return baseline


def bulk_users(n, prefix):
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{i}",
                email=f"{prefix}{i}@example.com",
                password="!",
                display_name=f"{prefix.title()} {i}",
            )
            for i in range(n)
        ]
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))[: len(users)]


def bulk_reviews(pairs, *, likers=(), replier=None, rating_only_every=0):
    """Reviews for (film, author) pairs, each liked by `likers` and replied to once."""
    with transaction.atomic():
        reviews = []
        for i, (film, author) in enumerate(pairs):
            body = (
                ""
                if rating_only_every and i % rating_only_every == 0
                else f"Bulk review {i} with *emphasis* and a [link](https://example.com/{i})."
            )
            reviews.append(
                Review(
                    film=film,
                    author=author,
                    rating=1 + i % 10,
                    headline=f"Headline {i}"[:140],
                    body=body,
                    body_html=render_markdown(body),
                    contains_spoilers=(i % 7 == 0),
                    like_count=len(likers),
                )
            )
        Review.objects.bulk_create(reviews)
        created = list(
            Review.objects.filter(author__in={a for _, a in pairs}, film__in={f for f, _ in pairs})
        )
        Like.objects.bulk_create(
            [Like(user=u, review=r) for r in created for u in likers if u.pk != r.author_id],
            ignore_conflicts=True,
        )
        for r in created:
            stats.refresh_like_count(r.pk)
        if replier:
            Reply.objects.bulk_create(
                [
                    Reply(
                        review=r,
                        author=replier,
                        body="A bulk reply.",
                        body_html=render_markdown("A bulk reply."),
                    )
                    for r in created
                    if r.body
                ]
            )
        stats.refresh_film_stats(*{f.pk for f, _ in pairs})
    return created


def bulk_films(n, prefix, genres, countries):
    films = Film.objects.bulk_create(
        [
            Film(
                title=f"{prefix} {i:03d}",
                slug=f"{prefix.lower()}-{i:03d}",
                release_date=datetime.date(1990 + i % 30, 1 + i % 12, 1),
                year=1990 + i % 30,
                runtime_minutes=90 + i,
                tagline=f"Tagline {i}",
            )
            for i in range(n)
        ]
    )
    films = list(Film.objects.filter(slug__startswith=f"{prefix.lower()}-").order_by("slug"))
    for film in films:
        film.genres.add(*genres)
        film.countries.add(*countries)
    assert len(films) == n
    return films


@pytest.fixture
def world(film, user, other_user, make_review, make_genre, make_country, settings):
    """The minimal data set: one film with genres and a country, one review with a like and
    a reply, one rating without a review."""
    settings.TOP_RATED_MIN_RATINGS = 1
    genres = [make_genre("Romance"), make_genre("Drama")]
    countries = [make_country("US", "United States")]
    film.genres.add(*genres)
    film.countries.add(*countries)
    review = make_review(
        film=film, author=user, rating=8, headline="Only review", body="The only review, for now."
    )
    review.toggle_like(other_user)
    Reply.objects.create(review=review, author=other_user, body="The only reply.")
    return {"film": film, "review": review, "genres": genres, "countries": countries}


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_film_page(big, client, world, other_user, django_assert_max_num_queries, viewer):
    film = world["film"]
    if viewer == "member":
        client.force_login(other_user)

    def grow():
        people = bulk_users(big - 1, "filmfan")
        bulk_reviews(
            [(film, p) for p in people], likers=[other_user] + people[:3], replier=other_user
        )

    assert_constant(
        client,
        film.get_absolute_url(),
        grow,
        django_assert_max_num_queries,
        expect_text=f"Headline {big - 2}",
    )
    assert Review.objects.filter(film=film).count() == big


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["top", "rating", "lowest"])
def test_film_page_sorted_and_paged(
    big, client, world, other_user, django_assert_max_num_queries, sort
):
    film = world["film"]
    url = film.get_absolute_url() + f"?sort={sort}&page=2"

    def grow():
        people = bulk_users(big - 1, "sortfan")
        bulk_reviews([(film, p) for p in people], likers=[other_user], replier=other_user)

    # Page 2 does not exist with one review: measure page 1 with the same sort instead.
    client.get(film.get_absolute_url() + f"?sort={sort}")
    baseline = count_queries(client, film.get_absolute_url() + f"?sort={sort}")
    grow()
    client.get(url)
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?sort=rating",
        "?sort=reviews",
        "?genre=drama",
        "?country=US&sort=release",
        "?year=2013&sort=title",
    ],
)
def test_catalog(big, client, world, user, other_user, django_assert_max_num_queries, query):
    def grow():
        films = bulk_films(30, "Catalog", world["genres"], world["countries"])
        people = bulk_users(big // len(films) + 1, "catfan")
        pairs = [(f, p) for f in films for p in people][: big - 1]
        bulk_reviews(pairs, likers=[other_user], rating_only_every=5)

    assert_constant(client, reverse("films:list") + query, grow, django_assert_max_num_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_home(big, client, world, other_user, django_assert_max_num_queries, viewer):
    if viewer == "member":
        client.force_login(other_user)

    def grow():
        films = bulk_films(20, "Homefilm", world["genres"], world["countries"])
        people = bulk_users(big // len(films) + 1, "homefan")
        pairs = [(f, p) for f in films for p in people][: big - 1]
        bulk_reviews(pairs, likers=[other_user], replier=other_user)

    assert_constant(
        client,
        reverse("home"),
        grow,
        django_assert_max_num_queries,
        expect_text=f"Headline {big - 2}",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "owner", "other"])
def test_profile(big, client, world, user, other_user, django_assert_max_num_queries, viewer):
    if viewer == "owner":
        client.force_login(user)
    elif viewer == "other":
        client.force_login(other_user)
    rating_only_film = Film.objects.create(title="Rated Not Reviewed")
    Review.objects.save_for(author=user, film=rating_only_film, rating=5, body="")

    def grow():
        films = bulk_films(big, "Profilefilm", world["genres"], world["countries"])
        bulk_reviews(
            [(f, user) for f in films], likers=[other_user], replier=other_user, rating_only_every=4
        )

    assert_constant(
        client,
        reverse("accounts:profile", args=[user.username]),
        grow,
        django_assert_max_num_queries,
        expect_text=f"Headline {big - 2}",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("viewer", ["anonymous", "member"])
def test_review_page(big, client, world, other_user, django_assert_max_num_queries, viewer):
    review = world["review"]
    if viewer == "member":
        client.force_login(other_user)

    def grow():
        people = bulk_users(big, "replier")
        Reply.objects.bulk_create(
            [
                Reply(review=review, author=p, body=f"Reply {i}", body_html=f"<p>Reply {i}</p>")
                for i, p in enumerate(people)
            ]
        )
        Like.objects.bulk_create([Like(user=p, review=review) for p in people])
        stats.refresh_like_count(review.pk)

    assert_constant(
        client,
        review.get_absolute_url(),
        grow,
        django_assert_max_num_queries,
        expect_text="Reply 1",
    )


@pytest.mark.django_db
def test_person_page(client, world, django_assert_max_num_queries, make_person):
    from films.models import Credit

    person = make_person("Prolific Actor")
    Credit.objects.create(film=world["film"], person=person, role="cast", character="Lead")

    def grow():
        films = bulk_films(60, "Personfilm", world["genres"], world["countries"])
        Credit.objects.bulk_create(
            [
                Credit(film=f, person=person, role="cast", character=f"Role {i}")
                for i, f in enumerate(films)
            ]
        )

    assert_constant(
        client,
        person.get_absolute_url(),
        grow,
        django_assert_max_num_queries,
        expect_text="Personfilm 0",
    )


@pytest.mark.django_db
def test_admin_review_changelist(
    big, client, world, staff_user, other_user, django_assert_max_num_queries
):
    client.force_login(staff_user)

    def grow():
        films = bulk_films(20, "Adminfilm", world["genres"], world["countries"])
        people = bulk_users(big // len(films) + 1, "adminfan")
        bulk_reviews([(f, p) for f in films for p in people][: big - 1], likers=[other_user])

    assert_constant(
        client, reverse("admin:reviews_review_changelist"), grow, django_assert_max_num_queries
    )


@pytest.mark.django_db
def test_writes_never_count_the_page_cache_table(
    client, login, user, other_user, film, make_review
):
    """Every write bumps the content version. With the database cache it lives in a small
    table of its own, set with one UPDATE (core.counter_cache): a bump in the page cache's
    table would count all its rows (Django culls by count) while holding the write lock."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    if not isinstance(caches["default"], DatabaseCache):
        pytest.skip("the database cache is not in use")
    theirs = make_review(author=other_user, film=film, rating=6, body="Theirs.")
    login(user)
    client.get(film.get_absolute_url())  # the session and the version exist already
    with CaptureQueriesContext(connection) as posting:
        posted = client.post(
            reverse("reviews:write", args=[film.slug]), {"rating": "8", "body": "Mine."}
        )
    with CaptureQueriesContext(connection) as liking:
        liked = client.post(reverse("reviews:like", args=[theirs.pk]), {"action": "like"})
    assert posted.status_code == 302 and liked.status_code == 302
    assert Review.objects.filter(author=user, film=film).exists()
    assert Like.objects.filter(user=user, review=theirs).exists()
    page_cache, counters = caches["default"]._table, caches["counters"]._table
    statements = [q["sql"] for q in [*posting.captured_queries, *liking.captured_queries]]
    # PostgreSQL's bump notifies the other processes in the same statement (WITH … UPDATE).
    bumps = [sql for sql in statements if f'UPDATE "{counters}"' in sql]
    assert bumps, "no content version bump was written"
    assert not [sql for sql in statements if "COUNT(*)" in sql and page_cache in sql], statements
    assert not [sql for sql in statements if page_cache in sql and "SELECT" not in sql]
    # A review post: session, member, rate limits, film, then the transaction: the
    # member's review, insert, stats, version. 31 statements before the bumps were single
    # UPDATEs, 16 while the form asked the database to check the rating range, 15 while the
    # view also looked the member's review up before validating the form.
    # PostgreSQL also locks the film's (or review's) row before recounting (reviews.stats);
    # SQLite's single writer needs no row lock.
    row_lock = 1 if connection.features.has_select_for_update else 0
    assert len(posting.captured_queries) <= 14 + row_lock, [q["sql"][:80] for q in posting]
    # A like: session, member, rate limits, the review, then one insert that says whether
    # it added a like, the recount that returns the count, and the version.
    assert len(liking.captured_queries) <= 11 + row_lock, [q["sql"][:80] for q in liking]


@pytest.mark.django_db(transaction=True)
def test_a_write_moves_the_content_version_once_inside_its_transaction(
    client, login, user, other_user, film, make_review
):
    """With the database cache, the version commits together with the data it describes:
    one UPDATE inside the write's transaction, none after it. A page read in between makes
    the next change move it again."""
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    from core.cache import content_version

    if not isinstance(caches["counters"], DatabaseCache):
        pytest.skip("the database cache is not in use")
    counters = caches["counters"]._table
    theirs = make_review(author=other_user, film=film, rating=6, body="Theirs.")
    login(user)

    def bumps_of(post, *args):
        before = content_version()
        with CaptureQueriesContext(connection) as captured:
            assert post(*args).status_code == 302
        statements = [q["sql"] for q in captured.captured_queries]
        bumps = [i for i, sql in enumerate(statements) if f'UPDATE "{counters}"' in sql]
        commits = [i for i, sql in enumerate(statements) if sql == "COMMIT"]
        assert content_version() > before
        return bumps, commits

    review_url = reverse("reviews:write", args=[film.slug])
    bumps, commits = bumps_of(client.post, review_url, {"rating": "8", "body": "Mine."})
    assert len(bumps) == 1 and bumps[0] < commits[-1]
    like_url = reverse("reviews:like", args=[theirs.pk])
    bumps, commits = bumps_of(client.post, like_url, {"action": "like"})
    assert len(bumps) == 1 and bumps[0] < commits[-1]
    # Reading the version between two changes of one transaction makes the second move it.
    with transaction.atomic():
        theirs.set_liked(user, False)
        seen = content_version()
        theirs.set_liked(user, True)
        assert content_version() > seen
