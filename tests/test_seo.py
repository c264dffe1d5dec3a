"""Discoverability: sitemap.xml, robots.txt, canonical links, Open Graph and JSON-LD."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews.models import Review

from .helpers import parse_tags, text_of

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_paths(client):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 - our own response
    return {loc.text.split("://", 1)[1].split("/", 1)[1] for loc in root.iter(f"{SM}loc")}


def json_ld(response):
    html = text_of(response)
    blocks = [
        s for s in parse_tags(html).scripts if s.strip().startswith("{") and '"@context"' in s
    ]
    assert '<script type="application/ld+json">' in html
    return [json.loads(b) for b in blocks]


def meta(response, prop):
    for tag, attrs in parse_tags(text_of(response)).tags:
        if tag == "meta" and attrs.get("property") == prop:
            return attrs["content"]
    return None


@pytest.mark.django_db
def test_sitemap_lists_public_pages_only(client, her, user, other_user, make_user, make_review):
    shown = make_review(film=her, author=user, body="Public words.")
    hidden = make_review(film=her, author=other_user, body="Hidden words.")
    Review.objects.filter(pk=hidden.pk).set_status("hidden")
    suspended = make_user(username="gone")
    gone = make_review(film=her, author=suspended, body="Suspended words.")
    suspended.set_suspended(True)
    make_user(username="lurker")  # wrote nothing
    paths = sitemap_paths(client)
    assert her.get_absolute_url().lstrip("/") in paths
    assert "people/spike-jonze-1969/" in paths or any(p.startswith("people/") for p in paths)
    assert shown.get_absolute_url().lstrip("/") in paths
    assert hidden.get_absolute_url().lstrip("/") not in paths
    assert gone.get_absolute_url().lstrip("/") not in paths
    assert user.get_absolute_url().lstrip("/") in paths
    assert "users/gone/" not in paths and "users/lurker/" not in paths


@pytest.mark.django_db
def test_robots_points_at_the_sitemap(client):
    text = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text


@pytest.mark.django_db
def test_film_page_canonical_open_graph_and_movie_json_ld(
    client, her, user, other_user, make_review
):
    make_review(film=her, author=user, rating=9)
    make_review(film=her, author=other_user, rating=6)
    response = client.get(her.get_absolute_url() + "?sort=top")
    html = text_of(response)
    assert f'<link rel="canonical" href="http://testserver{her.get_absolute_url()}">' in html
    assert meta(response, "og:type") == "video.movie"
    assert meta(response, "og:title") == "Her (2013)"
    assert meta(response, "og:url") == f"http://testserver{her.get_absolute_url()}"
    (movie,) = json_ld(response)
    assert movie["@type"] == "Movie" and movie["name"] == "Her"
    assert movie["datePublished"] == "2013-12-18"
    assert movie["director"] == [{"@type": "Person", "name": "Spike Jonze"}]
    assert movie["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": 3.8,
        "bestRating": 5,
        "worstRating": 0.5,
        "ratingCount": 2,
    }


@pytest.mark.django_db
def test_film_without_ratings_has_no_aggregate_rating(client, film):
    (movie,) = json_ld(client.get(film.get_absolute_url()))
    assert "aggregateRating" not in movie


@pytest.mark.django_db
def test_a_title_with_script_cannot_break_out_of_json_ld(client, make_film, user, make_review):
    evil = '</script><script>alert("x")</script> & <!--'
    film = make_film(title=evil)
    review = make_review(film=film, author=user, headline=evil, body=evil)
    for url in (film.get_absolute_url(), review.get_absolute_url()):
        response = client.get(url)
        html = text_of(response)
        assert '<script>alert("x")' not in html, url
        (data,) = json_ld(response)
        name = data["name"] if data["@type"] == "Movie" else data["itemReviewed"]["name"]
        assert name == evil, "the title survives intact as data"


@pytest.mark.django_db
def test_review_page_review_json_ld(client, film, user, make_review):
    review = make_review(film=film, author=user, rating=7, headline="Good", body="Warm. ||Twist.||")
    response = client.get(review.get_absolute_url())
    (data,) = json_ld(response)
    assert data["@type"] == "Review"
    assert data["itemReviewed"]["@type"] == "Movie" and data["itemReviewed"]["name"] == "Her"
    assert data["author"] == {
        "@type": "Person",
        "name": "Alice",
        "url": f"http://testserver{user.get_absolute_url()}",
    }
    assert data["reviewRating"]["ratingValue"] == 3.5
    assert "Warm." in data["reviewBody"] and "Twist" not in data["reviewBody"]
    assert meta(response, "og:type") == "article"
    assert f'<link rel="canonical" href="http://testserver{review.get_absolute_url()}">' in text_of(
        response
    )


@pytest.mark.django_db
def test_spoiler_review_keeps_its_body_out_of_metadata(client, film, user, make_review):
    review = make_review(film=film, author=user, body="The twist is X.", contains_spoilers=True)
    response = client.get(review.get_absolute_url())
    (data,) = json_ld(response)
    assert "reviewBody" not in data
    head = text_of(response).split("</head>")[0]
    assert "The twist is X." not in head


@pytest.mark.django_db
def test_profile_open_graph_and_feed_link(client, film, user, make_review):
    make_review(film=film, author=user)
    response = client.get(user.get_absolute_url())
    assert meta(response, "og:type") == "profile"
    assert reverse("reviews:member_feed", args=[user.username]) in text_of(response)


@pytest.mark.django_db
def test_sitemap_query_count_is_constant(client, film, user, make_review):
    from tests.test_query_counts import bulk_films, bulk_reviews, bulk_users

    make_review(film=film, author=user)
    client.get("/sitemap.xml")
    with CaptureQueriesContext(connection) as ctx:
        client.get("/sitemap.xml")
    baseline = len(ctx.captured_queries)
    films = bulk_films(60, "Mapfilm", [], [])
    bulk_reviews([(f, a) for f in films for a in bulk_users(2, f"m{f.pk}x")][:100])
    with CaptureQueriesContext(connection) as ctx:
        paths = sitemap_paths(client)
    assert len(ctx.captured_queries) <= baseline
    assert "films/mapfilm-059/" in paths
    print(f"sitemap: {baseline} queries")
