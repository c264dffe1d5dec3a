"""Size limits say what the limit is (issue 6: hostile input).

Text fields: the page's form carries the same maxlength the server checks, the server
counts characters as the browser does (a line break is one), and one character over gets
a form error naming the limit, with nothing saved. Whole requests: a body declared larger
than MAX_REQUEST_BODY_BYTES is refused before it is read, and form text over Django's
DATA_UPLOAD_MAX_MEMORY_SIZE (or too many fields) is refused as it is parsed, both with a
413 "Request too large" page naming the limit instead of a bare 400. Files: an avatar over
MAX_IMAGE_UPLOAD_BYTES, or an import over its 10 MB, is a form error naming the limit.
"""

import os

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.portability import MAX_IMPORT_BYTES
from reviews.models import Reply, Report, Review

from .helpers import assert_form_error, form_errors, parse_tags, visible_text


def maxlength_of(response, name):
    for tag, attrs in parse_tags(response.content).tags:
        if tag in ("input", "textarea") and attrs.get("name") == name:
            return int(attrs["maxlength"]) if "maxlength" in attrs else None
    raise AssertionError(f"no field {name!r} on the page")


def assert_too_long(response, field, limit, given):
    assert_form_error(response, field)
    message = " ".join(form_errors(response)[field])
    assert str(limit) in message and str(given) in message, message


@pytest.fixture
def review(make_review, film, other_user):
    return make_review(film=film, author=other_user, body="Bob's review.")


# --- text fields -------------------------------------------------------------------------


@pytest.mark.django_db
def test_review_headline_and_body_limits(login, user, film, settings):
    c = login(user)
    url = reverse("reviews:write", args=[film.slug])
    limit = settings.MAX_REVIEW_BODY_CHARS
    for page in (c.get(url), c.get(film.get_absolute_url())):
        assert maxlength_of(page, "body") == limit
        assert maxlength_of(page, "headline") == 140

    response = c.post(url, {"rating": "8", "headline": "Fine", "body": "x" * (limit + 1)})
    assert_too_long(response, "body", limit, limit + 1)
    assert "too long" in visible_text(response)
    response = c.post(url, {"rating": "8", "headline": "h" * 141, "body": "Fine."})
    assert_too_long(response, "headline", 140, 141)
    assert not Review.objects.exists()

    # What the browser lets through is accepted: it counts a line break as one character
    # and sends it as two.
    line = "y" * 99
    body = "\r\n".join([line] * 200)
    assert len(body.replace("\r\n", "\n")) == limit - 1 and len(body) > limit
    response = c.post(url, {"rating": "8", "headline": "h" * 140, "body": body})
    assert response.status_code == 302, form_errors(response)
    review = Review.objects.get()
    assert review.body == body.replace("\r\n", "\n") and len(review.headline) == 140


@pytest.mark.django_db
def test_reply_limit(login, user, review, settings):
    c = login(user)
    limit = settings.MAX_REPLY_BODY_CHARS
    assert maxlength_of(c.get(review.get_absolute_url()), "body") == limit
    response = c.post(review.get_absolute_url(), {"body": "z" * (limit + 1)})
    assert_too_long(response, "body", limit, limit + 1)
    assert not Reply.objects.exists()
    response = c.post(review.get_absolute_url(), {"body": "\r\n".join(["z" * 49] * 100)})
    assert response.status_code == 302, form_errors(response)


@pytest.mark.django_db
def test_report_note_limit(login, user, review):
    c = login(user)
    url = reverse("reviews:report", args=[review.pk])
    assert maxlength_of(c.get(url), "note") == 1000
    response = c.post(url, {"reason": "spam", "note": "n" * 1001})
    assert_too_long(response, "note", 1000, 1001)
    assert not Report.objects.exists()


@pytest.mark.django_db
def test_profile_limits(login, user):
    c = login(user)
    url = reverse("accounts:edit_profile")
    page = c.get(url)
    assert maxlength_of(page, "display_name") == 80 and maxlength_of(page, "bio") == 1000
    response = c.post(url, {"display_name": "d" * 81, "bio": "b" * 1001, "website": ""})
    assert_too_long(response, "display_name", 80, 81)
    assert_too_long(response, "bio", 1000, 1001)
    user.refresh_from_db()
    assert user.display_name == "Alice" and user.bio == ""


# --- whole requests ----------------------------------------------------------------------


def assert_request_too_large(response, limit_text):
    assert response.status_code == 413, response.status_code
    page = visible_text(response)
    assert "Request too large" in page and limit_text in page, page[:500]
    assert "Nothing was saved" in page


@pytest.mark.django_db
def test_too_much_form_text_is_a_413_page_naming_the_limit(login, user, film, settings):
    c = login(user)
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    big = "w" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = c.post(reverse("reviews:write", args=[film.slug]), {"rating": "8", "body": big})
    assert_request_too_large(response, "2.5 MB")
    assert not Review.objects.exists()
    # The page is the site's, for the member who sent it.
    assert "user" in {k for ctx in response.context for k in ctx.flatten()}
    # Multipart forms count their text the same way.
    response = c.post(
        reverse("accounts:edit_profile"),
        {"display_name": "A", "bio": big, "avatar": SimpleUploadedFile("a.txt", b"x")},
    )
    assert_request_too_large(response, "2.5 MB")


@pytest.mark.django_db
def test_too_many_fields_is_a_413_page(login, user, film, settings):
    c = login(user)
    data = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = c.post(reverse("reviews:write", args=[film.slug]), {"rating": "8", **data})
    assert response.status_code == 413
    assert "more than 1000 fields" in visible_text(response)
    assert not Review.objects.exists()


@pytest.mark.django_db
def test_a_body_declared_too_large_is_refused_before_it_is_read(client, user, settings):
    limit = settings.MAX_REQUEST_BODY_BYTES
    assert limit == 12 * 1024 * 1024
    # A client announcing a huge body and sending a small one: the body is never read.
    response = client.generic(
        "POST",
        reverse("account_login"),
        "login=alice&password=x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(limit + 1),
    )
    assert_request_too_large(response, "12.0 MB")


@pytest.mark.django_db
def test_an_upload_larger_than_any_form_takes_is_a_413_page(login, user, settings):
    data = os.urandom(settings.MAX_REQUEST_BODY_BYTES + 1024)
    response = login(user).post(
        reverse("accounts:edit_profile"),
        {"display_name": "A", "avatar": SimpleUploadedFile("big.jpg", data)},
    )
    assert_request_too_large(response, "12.0 MB")
    user.refresh_from_db()
    assert not user.avatar


# --- files -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_too_big_avatar_is_a_form_error_naming_the_limit(login, user, settings):
    assert settings.MAX_IMAGE_UPLOAD_BYTES == 5 * 1024 * 1024
    data = b"\xff\xd8\xff\xe0" + os.urandom(settings.MAX_IMAGE_UPLOAD_BYTES)
    response = login(user).post(
        reverse("accounts:edit_profile"),
        {"display_name": "A", "avatar": SimpleUploadedFile("big.jpg", data)},
    )
    assert_form_error(response, "avatar")
    assert "the limit is 5.0 MB" in " ".join(form_errors(response)["avatar"])
    user.refresh_from_db()
    assert not user.avatar


@pytest.mark.django_db
def test_a_too_big_import_is_a_form_error_naming_the_limit(login, user):
    data = b"Name,Year,Rating\n" + b"x" * MAX_IMPORT_BYTES
    assert len(data) < django_settings.MAX_REQUEST_BODY_BYTES
    response = login(user).post(
        reverse("accounts:import"), {"file": SimpleUploadedFile("ratings.csv", data)}
    )
    assert_form_error(response, "file")
    assert "10 MB" in " ".join(form_errors(response)["file"])
    assert not Review.objects.exists()
