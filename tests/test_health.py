"""Liveness, crawlers and the error pages."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .helpers import text_of, visible_text


@pytest.mark.django_db
def test_healthz_answers_after_a_database_round_trip(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert len(queries) >= 1
    assert "no-cache" in response.get("Cache-Control", "") or "max-age=0" in response.get(
        "Cache-Control", ""
    )


@pytest.mark.django_db
def test_healthz_is_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_robots_txt(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "User-agent: *" in body and "Disallow: /admin/" in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/films/no-such-film/",
        "/people/nobody-here/",
        "/users/nobody-here/",
        "/reviews/999999/",
        "/films/no-such-film/review/",
        "/definitely/not/a/page/",
    ],
)
def test_unknown_pages_use_the_custom_404(client, url):
    response = client.get(url)
    if url.endswith("/review/"):
        assert response.status_code == 302  # anonymous: log in first
        return
    assert response.status_code == 404
    assert "404.html" in [t.name for t in response.templates]
    page = visible_text(response)
    assert "The requested resource was not found on this server." not in page
    assert 'href="/films/"' in text_of(response) or 'href="/"' in text_of(response)


@pytest.mark.django_db
def test_custom_500_page(settings):
    settings.ROOT_URLCONF = "tests.urls_boom"
    c = Client(raise_request_exception=False)
    response = c.get("/boom/")
    assert response.status_code == 500
    html = text_of(response)
    assert "Server Error (500)" not in html
    assert "<main" in html and 'href="/"' in html
    assert "RuntimeError" not in html and "deliberate" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "films:list", "account_login", "account_signup"])
def test_main_pages_have_landmarks_and_a_title(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = text_of(response)
    assert "<main" in html and "<nav" in html
    assert "<title>" in html and "</title>" in html
    assert '<html lang="' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/films/?year=%C2%B2", "/films/?genre=%00", "/search/?q=a%00b", "/users/a%00b/"]
)
def test_odd_query_strings_are_never_a_500(client, url):
    assert client.get(url).status_code in (200, 400, 404)
