"""Atom feeds: site-wide, per film and per member; spoilers never travel in them."""

import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Review

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    assert root.tag == f"{ATOM}feed"
    return [
        {
            "title": e.findtext(f"{ATOM}title"),
            "link": e.find(f"{ATOM}link").get("href"),
            "summary": e.findtext(f"{ATOM}summary") or "",
            "author": e.findtext(f"{ATOM}author/{ATOM}name"),
        }
        for e in root.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def world(film, make_film, user, other_user, make_review):
    other_film = make_film(title="Jurassic Park")
    return {
        "plain": make_review(
            film=film, author=user, headline="Tender", body="Lovely. ||Samantha leaves.|| Yes."
        ),
        "spoiler": make_review(
            film=film, author=other_user, body="The OS twist explained.", contains_spoilers=True
        ),
        "other": make_review(film=other_film, author=other_user, body="Dinosaurs rule."),
        "rating_only": make_review(film=other_film, author=user, body=""),
        "other_film": other_film,
    }


@pytest.mark.django_db
def test_site_feed(client, world):
    items = entries(client.get(reverse("reviews:feed")))
    summaries = " ".join(i["summary"] for i in items)
    assert len(items) == 3, "written, published reviews only"
    assert "Dinosaurs rule." in summaries and "Lovely." in summaries
    assert "Samantha leaves" not in summaries, "inline spoilers are blanked"
    spoiler = next(i for i in items if i["link"].endswith(world["spoiler"].get_absolute_url()))
    assert "contains spoilers" in spoiler["summary"]
    assert "twist explained" not in spoiler["summary"]
    assert all(i["link"].startswith("http") for i in items)
    assert any("Tender" in i["title"] for i in items)


@pytest.mark.django_db
def test_hidden_reviews_and_suspended_authors_leave_the_feeds(client, world, other_user):
    Review.objects.filter(pk=world["plain"].pk).set_status("hidden")
    other_user.set_suspended(True)
    assert entries(client.get(reverse("reviews:feed"))) == []


@pytest.mark.django_db
def test_film_feed(client, world, film):
    items = entries(client.get(reverse("reviews:film_feed", args=[film.slug])))
    assert {i["link"].split("testserver")[1] for i in items} == {
        world["plain"].get_absolute_url(),
        world["spoiler"].get_absolute_url(),
    }
    assert client.get(reverse("reviews:film_feed", args=["no-such-film"])).status_code == 404
    assert (
        f'href="{reverse("reviews:film_feed", args=[film.slug])}"'
        in client.get(film.get_absolute_url()).content.decode()
    )


@pytest.mark.django_db
def test_member_feed(client, world, user, other_user):
    items = entries(client.get(reverse("reviews:member_feed", args=[other_user.username])))
    assert len(items) == 2 and {i["author"] for i in items} == {"Bob"}
    assert client.get(reverse("reviews:member_feed", args=["nobody"])).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("feed", ["site", "film", "member"])
def test_feed_query_count_is_constant(client, world, film, user, make_film, feed):
    from tests.test_query_counts import bulk_films, bulk_reviews, bulk_users

    url = {
        "site": reverse("reviews:feed"),
        "film": reverse("reviews:film_feed", args=[film.slug]),
        "member": reverse("reviews:member_feed", args=[user.username]),
    }[feed]
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    baseline = len(ctx.captured_queries)
    films = bulk_films(40, "Feedfilm", [], [])
    authors = bulk_users(40, "feeder")
    bulk_reviews([(f, user) for f in films] + [(film, a) for a in authors])
    with CaptureQueriesContext(connection) as ctx:
        items = entries(client.get(url))
    assert len(ctx.captured_queries) <= baseline, f"{feed} feed: {baseline} queries before"
    assert len(items) == 30
    print(f"{feed} feed: {baseline} queries")
