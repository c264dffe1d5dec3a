"""/search/ from the outside: what results show, hostile input, "Recently searched",
an index that follows edits, and a constant number of queries."""

import datetime
import re

import pytest
from django.urls import reverse

from tests.helpers import text_of

pytestmark = pytest.mark.django_db


def search(client, q):
    response = client.get(reverse("films:search"), {"q": q})
    assert response.status_code == 200, q
    return response


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "x" * 10_000,
        "her " * 2_500,
        "!!!",
        "?,.;:'",
        '"',
        '"her',
        "*",
        "her*",
        "NEAR(her love)",
        "NEAR(",
        "-her",
        "title:her",
        "her AND OR NOT",
        "^her",
        "(",
        ")",
        "{} []",
        "\x00her",
        "her\x00\x01\x1f",
        "%_%",
        "\\",
        "'; DROP TABLE films_film; --",
        "🎬🍿",
        "é",
        "ß" * 300,
        "a",
        "12",
        "2013",
    ],
)
def test_no_query_breaks_the_page(client, her, q):
    response = client.get(reverse("films:search"), {"q": q})
    if "\x00" in q:
        # A site-wide middleware refuses NUL bytes outright; the view copes with them too.
        assert response.status_code in (200, 400)
        return
    assert response.status_code == 200
    assert "Results for" in response.content.decode() or not q.strip()


def test_control_characters_in_the_view_are_spaces(rf, her):
    from django.contrib.auth.models import AnonymousUser

    from films.views import search as search_view

    request = rf.get("/search/", {"q": "\x00her\x01"})
    request.user = AnonymousUser()
    response = search_view(request)
    assert response.status_code == 200
    assert her.get_absolute_url() in response.content.decode()


def test_results_show_poster_year_director_and_rating(client, her, make_user, make_review):
    make_review(film=her, author=make_user(), rating=9)
    page = search(client, "her").content.decode()
    card = re.search(r'<li class="film-card">.*?</li>', page, re.S).group(0)
    assert her.get_absolute_url() in card
    assert "2013" in card
    assert "Spike Jonze" in card
    assert "4.5" in card  # the average, in stars
    assert "<img" in card or "poster" in card


def test_people_link_to_their_page(client, her):
    page = search(client, "joaquin phenix").content.decode()
    assert 'href="/people/joaquin-phoenix/"' in page


def test_reviews_are_found_after_films(client, her, user, make_review):
    make_review(film=her, author=user, rating=9, headline="Not a Keeper", body="Heartbreaking.")
    page = text_of(search(client, "heartbreaking"))
    assert "Heartbreaking." in page


# --- Recently searched ------------------------------------------------------------------


def test_queries_that_found_films_are_shown_normalized_on_home_and_search(client, her):
    from films.models import SearchQuery

    search(client, "  HÉR  ")
    search(client, "her")
    search(client, "zzzqqxx nothing")  # found nothing: never shown

    assert list(SearchQuery.objects.values_list("query", "hits")) == [("her", 2)]
    for url in (reverse("home"), reverse("films:search")):
        page = client.get(url).content.decode()
        section = re.search(r'id="recent-searches-title".*?</section>', page, re.S).group(0)
        assert 'href="/search/?q=her"' in section
        assert "zzzqqxx" not in section


def test_recent_queries_are_length_limited_and_escaped(client, make_film):
    from films.models import SearchQuery

    make_film(title="Scream")
    search(client, "<script>scream</script> " + "scream " * 60)
    stored = SearchQuery.objects.get()
    assert len(stored.query) <= 100
    assert "<" not in stored.query

    # Even a row written some other way is escaped on the page.
    SearchQuery.objects.create(
        query="<b>bold</b>", hits=1, last_searched_at=stored.last_searched_at
    )
    page = client.get(reverse("home")).content.decode()
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_recently_searched_lists_latest_first(client, make_film):
    for title in ("Alien", "Brazil", "Casablanca"):
        make_film(title=title)
    for q in ("alien", "brazil", "casablanca", "alien"):
        search(client, q)
    page = client.get(reverse("home")).content.decode()
    section = re.search(r'id="recent-searches-title".*?</section>', page, re.S).group(0)
    order = re.findall(r"\?q=(\w+)", section)
    assert order == ["alien", "casablanca", "brazil"]


# --- the index follows edits ------------------------------------------------------------


def test_index_follows_film_and_alternative_title_edits(client, make_film):
    from films.models import AlternativeTitle

    film = make_film(title="Working Title", release_date=datetime.date(2020, 1, 1))
    assert film in search(client, "working title").context["films"]

    film.title = "Final Name"
    film.save()
    assert film in search(client, "final name").context["films"]
    assert film not in search(client, "working title").context["films"]

    aka = AlternativeTitle.objects.create(film=film, title="Nom Définitif", language="fr")
    assert film in search(client, "nom definitif").context["films"]
    aka.delete()
    assert film not in search(client, "nom definitif").context["films"]

    film.delete()
    assert list(search(client, "final name").context["films"]) == []


def test_staff_renaming_a_person_in_the_admin_reaches_search(client, login, staff_user, her):
    from films.models import Person

    person = Person.objects.get(name="Rooney Mara")
    admin = login(staff_user)
    response = admin.post(
        reverse("admin:films_person_change", args=[person.pk]),
        {"name": "Patricia Rooney Mara", "slug": person.slug, "biography": ""},
    )
    assert response.status_code == 302
    client.logout()
    people = search(client, "patricia rooney").context["people"]
    assert [p.pk for p in people][:1] == [person.pk]


def test_rebuild_command_restores_the_index(client, her):
    from django.core.management import call_command

    from films.models import FilmTitle

    FilmTitle.objects.all().delete()
    assert list(search(client, "her").context["films"]) == []
    call_command("rebuild_search_index", stdout=None)
    assert list(search(client, "her").context["films"]) == [her]


# --- query counts -------------------------------------------------------------------------


def test_search_page_queries_do_not_grow_with_results(
    client, make_film, make_person, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from films.models import Credit

    def add(n, start):
        for i in range(start, start + n):
            film = make_film(title=f"Moonlight Story {i}")
            Credit.objects.create(film=film, person=make_person(f"Director {i}"), role="director")

    add(2, 0)
    search(client, "moonlight story")  # warm up: recently searched row exists
    with CaptureQueriesContext(connection) as few:
        search(client, "moonlight story")
    add(25, 2)
    with CaptureQueriesContext(connection) as many:
        response = search(client, "moonlight story")
    assert len(response.context["films"]) == 27
    assert len(many) == len(few)
    # A handful of index lookups per kind (exact/prefix, then up to a few FTS tiers),
    # the films' facts, their directors, people, reviews, the recently-searched upsert.
    with django_assert_max_num_queries(20):
        search(client, "moonlight story")


def test_search_triggers_come_back_after_a_table_rebuild(client, her, make_film):
    """SQLite drops a table's triggers when a migration rebuilds it; post_migrate puts
    them back and re-syncs the FTS tables."""
    from django.db import connection

    from films.search_schema import ensure_sqlite_search_triggers

    if connection.vendor != "sqlite":
        assert ensure_sqlite_search_triggers(connection) == []
        return
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER films_filmtitle_ai")
        cursor.execute("DROP TRIGGER films_person_au")
    make_film(title="Added While Broken")
    assert ensure_sqlite_search_triggers(connection) == ["films_filmtitle_ai", "films_person_au"]
    assert ensure_sqlite_search_triggers(connection) == []
    films = search(client, "added while broken").context["films"]
    assert [f.title for f in films][:1] == ["Added While Broken"]


def test_staff_can_remove_a_recent_search(client, login, staff_user, her):
    from films.models import SearchQuery

    search(client, "her")
    entry = SearchQuery.objects.get()
    admin = login(staff_user)
    response = admin.post(
        reverse("admin:films_searchquery_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not SearchQuery.objects.exists()
    assert 'href="/search/?q=her"' not in client.get(reverse("home")).content.decode()
