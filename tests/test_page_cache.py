"""Anonymous pages are cached and answer conditional GETs; no change is ever hidden by it.

The film, catalog, home and person pages are served from the cache to visitors without a
session, keyed by a content version that every write bumps (core.cache).
"""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.cache import content_version
from reviews.models import Review

CACHED_PAGES = ["home", "films:list", "film", "person"]


@pytest.fixture
def page_url(film, make_person):
    def url(name):
        if name == "film":
            return film.get_absolute_url()
        if name == "person":
            person = make_person(name="Spike Jonze")
            film.credits.create(person=person, role="director")
            return person.get_absolute_url()
        return reverse(name)

    return url


def queries_for(client, url, **headers):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, headers=headers)
    return response, len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("name", CACHED_PAGES)
def test_a_repeat_visit_is_served_from_the_cache(client, page_url, name):
    url = page_url(name)
    first, rendered = queries_for(client, url)
    second, cached = queries_for(client, url)
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    # At most the version and the page, from the database cache (none with Redis).
    assert cached <= 2 and cached < rendered
    assert first["ETag"] == second["ETag"]
    assert "Cookie" in second["Vary"]
    assert not second.cookies


@pytest.mark.django_db
@pytest.mark.parametrize("name", CACHED_PAGES)
def test_conditional_get_answers_304(client, page_url, name):
    url = page_url(name)
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]

    by_etag = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert by_etag.status_code == 304
    assert by_etag.content == b""

    by_date = client.get(url, headers={"If-Modified-Since": first["Last-Modified"]})
    assert by_date.status_code == 304

    stale = client.get(url, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


@pytest.mark.django_db
def test_a_new_review_shows_at_once(client, film, user, make_review):
    url = film.get_absolute_url()
    before = client.get(url)
    assert "A fresh take" not in before.content.decode()

    make_review(film=film, author=user, rating=9, headline="A fresh take", body="New words.")

    after = client.get(url)
    assert "A fresh take" in after.content.decode()
    assert "1 rating" in after.content.decode()
    assert after["ETag"] != before["ETag"]
    # The browser's old copy is no longer "not modified".
    assert client.get(url, headers={"If-None-Match": before["ETag"]}).status_code == 200


@pytest.mark.django_db
def test_a_hidden_review_disappears_at_once(client, film, user, make_review):
    review = make_review(film=film, author=user, headline="Soon hidden", body="Words.")
    url = film.get_absolute_url()
    home = reverse("home")
    assert "Soon hidden" in client.get(url).content.decode()
    assert "Soon hidden" in client.get(home).content.decode()

    Review.objects.filter(pk=review.pk).set_status("hidden")

    assert "Soon hidden" not in client.get(url).content.decode()
    assert "Soon hidden" not in client.get(home).content.decode()


@pytest.mark.django_db
def test_likes_and_catalog_edits_show_at_once(client, film, user, other_user, make_review):
    review = make_review(film=film, author=user, body="Words.")
    url = film.get_absolute_url()
    assert "0 likes" in client.get(url).content.decode()
    review.toggle_like(other_user)
    assert "1 like" in client.get(url).content.decode()

    film.tagline = "A brand new tagline"
    film.save()
    assert "A brand new tagline" in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_member_never_gets_the_cached_anonymous_page(client, film, user):
    url = film.get_absolute_url()
    anonymous = client.get(url).content.decode()
    assert "You must be registered and logged in" in anonymous

    member = Client()
    member.force_login(user)
    page = member.get(url)
    text = page.content.decode()
    assert "You must be registered and logged in" not in text
    assert "csrfmiddlewaretoken" in text  # their own review form
    assert user.public_name in text
    assert "Cookie" in page["Vary"]

    # And the anonymous copy still carries nothing of theirs.
    again = client.get(url).content.decode()
    assert user.public_name not in again
    assert "csrfmiddlewaretoken" not in again


@pytest.mark.django_db
def test_no_cached_page_carries_a_csrf_token_or_sets_a_cookie(client, page_url):
    for name in CACHED_PAGES:
        url = page_url(name)
        for _ in range(2):
            response = client.get(url)
            assert "csrfmiddlewaretoken" not in response.content.decode(), url
            assert not response.cookies, url


@pytest.mark.django_db
def test_a_visitor_with_a_session_or_messages_is_rendered_fresh(client, film, user):
    url = film.get_absolute_url()
    client.get(url)
    # Logging out leaves a session cookie and a "signed out" message behind.
    client.force_login(user)
    client.post(reverse("account_logout"))
    response = client.get(url)
    assert "ETag" not in response
    assert "You must be registered and logged in" in response.content.decode()


@pytest.mark.django_db
def test_a_page_this_process_served_costs_only_the_version_read(client, film):
    """Each process keeps the pages it served, keyed by the same version: a repeat needs no
    read of the page from the shared cache (with Redis, no query at all)."""
    url = film.get_absolute_url()
    first, _ = queries_for(client, url)
    second, queries = queries_for(client, url)
    assert second.content == first.content
    assert queries <= 1


@pytest.mark.django_db
def test_the_cache_can_be_switched_off(client, film, settings):
    settings.ANONYMOUS_PAGE_CACHE = False
    url = film.get_absolute_url()
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        # The view runs every time (it reads the film again), and sends no page validators.
        assert any('FROM "films_film"' in q["sql"] for q in ctx.captured_queries)
        assert "ETag" not in response


@pytest.mark.django_db
def test_review_cards_follow_every_change_for_members(film, user, other_user, make_review):
    """Cards are kept as rendered fragments; an edit, a renamed author or a moderator's
    spoiler mark must still show on the next page a member opens."""
    review = make_review(film=film, author=user, headline="First words", body="Body one.")
    member = Client()
    member.force_login(other_user)
    url = film.get_absolute_url()
    assert "First words" in member.get(url).content.decode()

    make_review(film=film, author=user, headline="Second words", body="Body two.")
    user.display_name = "Alice Renamed"
    user.save()
    Review.objects.filter(pk=review.pk).mark_spoilers()

    page = member.get(url).content.decode()
    assert "Second words" in page and "First words" not in page
    assert "Alice Renamed" in page
    assert "contains spoilers" in page


@pytest.mark.django_db
def test_the_film_facts_follow_every_change_for_members(film, user, other_user, make_person):
    """The film's title block, facts, cast and structured data are kept as fragments too."""
    from films.models import Genre

    member = Client()
    member.force_login(other_user)
    url = film.get_absolute_url()
    page = member.get(url).content.decode()
    assert "Spike Jonze" not in page and "Romance" not in page

    film.credits.create(person=make_person(name="Spike Jonze"), role="director")
    film.credits.create(
        person=make_person(name="Joaquin Phoenix"), role="cast", character="Theodore"
    )
    film.genres.add(Genre.objects.create(name="Romance", slug="romance"))
    film.tagline = "A Spike Jonze love story"
    film.save()
    Review.objects.save_for(author=user, film=film, rating=9)

    page = member.get(url).content.decode()
    assert page.count("Spike Jonze</a>") >= 2  # the "Directed by" line and the facts
    assert '"name": "Spike Jonze"' in page  # the JSON-LD director
    assert "Theodore" in page and "Romance" in page
    assert "A Spike Jonze love story" in page
    assert "1 rating" in page and "4.5★: 1" in page  # the stats and the histogram


@pytest.mark.django_db
def test_catalog_cards_follow_every_change_for_members(film, user, other_user, make_person):
    member = Client()
    member.force_login(other_user)
    url = reverse("films:list")
    page = member.get(url).content.decode()
    assert "Her" in page and "No ratings yet" in page

    film.title = "Her, Retitled"
    film.save()
    film.credits.create(person=make_person(name="Spike Jonze"), role="director")
    Review.objects.save_for(author=user, film=film, rating=9)

    page = member.get(url).content.decode()
    assert "Her, Retitled" in page
    assert "Spike Jonze" in page
    assert "1 rating" in page and "No ratings yet" not in page


@pytest.mark.django_db
def test_the_home_page_refreshes_within_a_minute_for_recent_searches(client, monkeypatch):
    import core.cache

    first = client.get(reverse("home"))
    later = core.cache.time.time() + 61
    monkeypatch.setattr(core.cache.time, "time", lambda: later)
    second = client.get(reverse("home"), headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200
    assert second["ETag"] != first["ETag"]


@pytest.mark.django_db(transaction=True)
def test_a_version_kept_outside_the_database_moves_again_when_the_write_commits(
    settings, film, user
):
    """Redis shows a bump before the data commits, so another process could render the old
    data under it: the version moves again at commit, retiring any such page."""
    settings.CACHES = {
        **settings.CACHES,
        "counters": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "counters-outside-the-database",
        },
    }
    with transaction.atomic():
        Review.objects.save_for(author=user, film=film, rating=8, body="Mine.")
        inside = content_version()
    assert content_version() > inside


@pytest.mark.django_db
def test_a_page_stored_without_validators_gets_them_when_served(client, film):
    """Pages are stored with their ETag and Last-Modified. One stored before that (by the
    previous release, in the shared cache) still answers with both."""
    from django.core.cache import cache, caches
    from django.http import HttpResponse

    url = film.get_absolute_url()
    first = client.get(url)
    key = "page:" + first["ETag"].strip('"')
    cache.set(key, HttpResponse("stored by the release before"), 60)
    caches["pages"].clear()
    response = client.get(url)
    assert response.content == b"stored by the release before"
    assert response["ETag"] == first["ETag"]
    assert response["Last-Modified"] == first["Last-Modified"]
    assert "Cookie" in response["Vary"]
