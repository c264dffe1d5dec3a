"""Security headers on every page, and a Content-Security-Policy that the pages keep to:
no inline script or style anywhere, the admin included."""

import json

import pytest
from django.urls import reverse

from .helpers import parse_tags

EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "media-src": ["'self'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
}
DENIED_FEATURES = ["camera", "microphone", "geolocation", "payment", "usb", "serial", "midi"]


def csp_of(response):
    header = response.get("Content-Security-Policy")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_security_headers(response):
    assert csp_of(response) == EXPECTED_CSP
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    features = dict(
        item.strip().split("=", 1) for item in response["Permissions-Policy"].split(",")
    )
    for feature in DENIED_FEATURES:
        assert features.get(feature) == "()", feature


def assert_no_inline_code(response):
    """What the policy would block: inline <script> and <style>, style and on* attributes,
    javascript: links. JSON-LD is data, and must parse as such."""
    page = parse_tags(response.content)
    for tag, attrs in page.tags:
        assert tag != "style", "inline <style> element"
        assert "style" not in attrs, f"style attribute on <{tag}>"
        handlers = [name for name in attrs if name.startswith("on")]
        assert not handlers, f"event handler {handlers} on <{tag}>"
        for name in ("href", "src", "action", "formaction"):
            assert not attrs.get(name, "").strip().lower().startswith("javascript:"), (tag, attrs)
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    for attrs, body in zip(scripts, page.scripts, strict=True):
        if attrs.get("type") == "application/ld+json":
            json.loads(body)
        elif attrs.get("type") == "application/json":
            json.loads(body)  # data for a same-origin script, never run
        else:
            assert attrs.get("src"), "inline <script>"
            assert not body.strip(), "a <script src> with inline code as well"


@pytest.fixture
def public_pages(film, user, other_user, make_review):
    from reviews.models import Reply

    review = make_review(film=film, author=user, headline="Lonely hearts", body="**Bold**")
    Reply.objects.create(review=review, author=other_user, body="Agreed.")
    return [
        reverse("home"),
        reverse("films:list"),
        film.get_absolute_url(),
        review.get_absolute_url(),
        reverse("accounts:profile", args=[user.username]),
        reverse("films:search") + "?q=her",
        reverse("account_login"),
        reverse("account_signup"),
        reverse("account_reset_password"),
        "/no-such-page/",
    ]


@pytest.mark.django_db
def test_public_pages_send_every_header_and_keep_to_the_policy(client, public_pages):
    for url in public_pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_security_headers(response)
        assert_no_inline_code(response)


@pytest.mark.django_db
def test_pages_served_from_the_page_cache_carry_the_headers_too(client, film, settings):
    settings.ANONYMOUS_PAGE_CACHE = True
    first = client.get(film.get_absolute_url())
    again = client.get(film.get_absolute_url())
    assert again.content == first.content
    assert_security_headers(again)
    etag = first.get("ETag")
    if etag:
        not_modified = client.get(film.get_absolute_url(), HTTP_IF_NONE_MATCH=etag)
        assert not_modified.status_code == 304
        assert_security_headers(not_modified)


@pytest.mark.django_db
def test_member_pages_keep_to_the_policy(client, user, film):
    client.force_login(user)
    for url in (
        reverse("home"),
        film.get_absolute_url(),
        reverse("reviews:write", args=[film.slug]),
        reverse("accounts:edit_profile"),
        reverse("account_email"),
        reverse("account_change_password"),
        reverse("mfa_index"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert_no_inline_code(response)


@pytest.mark.django_db
def test_the_slow_down_page_has_the_headers(client, user, film, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "review": 0}
    client.force_login(user)
    response = client.post(reverse("reviews:write", args=[film.slug]), {"rating": 7})
    assert response.status_code == 429
    assert_security_headers(response)
    assert_no_inline_code(response)


@pytest.mark.django_db
def test_the_admin_needs_no_exception_to_the_policy(client, staff_user, film, user, make_review):
    """Django's admin has no inline script or style either, so it gets the same policy:
    there is no exception to scope to /admin/."""
    review = make_review(film=film, author=user)
    client.force_login(staff_user)
    for url in (
        reverse("admin:index"),
        reverse("admin:reviews_review_changelist"),
        reverse("admin:reviews_review_change", args=[review.pk]),
        reverse("admin:films_film_change", args=[film.pk]),
        reverse("admin:films_film_add") + "?_popup=1",
        reverse("admin:accounts_user_change", args=[user.pk]),
        reverse("admin:reviews_report_queue"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
        assert_no_inline_code(response)


def test_media_on_object_storage_may_serve_images(tmp_path):
    from .test_settings import manage, production_env

    code = (
        "from django.conf import settings as s;"
        "print(' '.join(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        tmp_path=tmp_path,
        DJANGO_MEDIA_URL="https://media.example.com/marquee/",
        **production_env(),
    )
    assert result.stdout.split() == ["'self'", "data:", "https://media.example.com"], result.stderr
