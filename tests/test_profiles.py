"""Member profiles: what everyone sees, what stays private, and editing your own."""

import re

import pytest
from django.urls import reverse

from reviews.models import Reply, Review

from .helpers import (
    assert_form_error,
    assert_login_redirect,
    shows_count,
    text_of,
    visible_text,
)

EDIT = "/accounts/profile/"


def profile_url(user):
    return reverse("accounts:profile", args=[user.username])


def test_urls_are_stable():
    assert reverse("accounts:profile", args=["alice"]) == "/users/alice/"
    assert reverse("accounts:edit_profile") == EDIT


@pytest.mark.django_db
def test_profile_shows_name_bio_reviews_ratings_and_totals(client, user, make_film, make_review):
    user.bio = "I watch everything twice."
    user.website = "https://alice.example.com/"
    user.save()
    first, second, third = (make_film(title=f"Profiled Film {c}") for c in "ABC")
    make_review(film=first, author=user, rating=10, body="Profile review one.")
    make_review(film=second, author=user, rating=8, body="Profile review two.")
    make_review(film=third, author=user, rating=9, body="")  # a rating only
    response = client.get(profile_url(user))
    assert response.status_code == 200
    page = visible_text(response)
    assert "Alice" in page and "I watch everything twice." in page
    assert "Profile review one." in page and "Profile review two." in page
    assert "Profiled Film C" in page  # listed among the ratings
    assert "4.5" in page  # (10 + 8 + 9) / 3 = 9/10 = 4.5 stars
    assert shows_count(page, 3, "rating") and shows_count(page, 2, "review")
    assert 'href="https://alice.example.com/"' in text_of(response)


@pytest.mark.django_db
def test_profile_without_avatar_shows_an_initial(client, user):
    html = text_of(client.get(profile_url(user)))
    assert "avatars/" not in html
    assert re.search(r"<(span|div)[^>]*avatar[^>]*>\s*A\s*<", html), "no generated initial"


@pytest.mark.django_db
def test_hidden_reviews_leave_the_profile_and_its_totals(client, user, make_film, make_review):
    make_review(film=make_film(), author=user, rating=10, body="Kept on profile.")
    gone = make_review(film=make_film(), author=user, rating=2, body="Hidden from profile.")
    Review.objects.filter(pk=gone.pk).set_status("hidden")
    page = visible_text(client.get(profile_url(user)))
    assert "Kept on profile." in page and "Hidden from profile." not in page
    assert shows_count(page, 1, "rating") and not shows_count(page, 2, "rating")
    assert "5.0" in page  # the hidden 1-star rating no longer drags the average down


@pytest.mark.django_db
def test_unknown_or_deactivated_member_is_a_404(client, make_user):
    assert client.get(reverse("accounts:profile", args=["nobody"])).status_code == 404
    gone = make_user(username="gone", is_active=False)
    assert client.get(profile_url(gone)).status_code == 404


# --- E-mail privacy ---------------------------------------------------------------------


@pytest.fixture
def public_pages(film, user, other_user, make_review):
    review = make_review(film=film, author=user, rating=8, body="Email privacy review.")
    Reply.objects.create(review=review, author=user, body="Email privacy reply.")
    review.toggle_like(other_user)
    return [
        reverse("home"),
        reverse("films:list"),
        film.get_absolute_url(),
        review.get_absolute_url(),
        profile_url(user),
        reverse("films:search") + "?q=her",
    ]


@pytest.mark.django_db
def test_email_is_never_shown_to_visitors(client, user, public_pages):
    for url in public_pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert user.email not in text_of(response), f"e-mail leaked on {url}"
        assert "alice@" not in text_of(response)


@pytest.mark.django_db
def test_email_is_never_shown_to_other_members(login, user, other_user, public_pages):
    c = login(other_user)
    for url in public_pages:
        assert user.email not in text_of(c.get(url)), f"e-mail leaked to bob on {url}"


@pytest.mark.django_db
def test_email_is_not_leaked_through_the_display_name_fallback(
    client, make_user, film, make_review
):
    # A member with no display name is shown by username, never by e-mail.
    carol = make_user(username="carol", email="carol.secret@example.net", display_name="")
    make_review(film=film, author=carol, rating=7, body="Carol's review.")
    for url in (film.get_absolute_url(), profile_url(carol), reverse("home")):
        html = text_of(client.get(url))
        assert "carol.secret" not in html
        assert "carol" in html


@pytest.mark.django_db
def test_member_may_see_their_own_email_on_their_settings(login, user):
    response = login(user).get(EDIT)
    assert response.status_code == 200
    profile = login(user).get(user.get_absolute_url())
    assert user.email in text_of(profile)


# --- Editing your own profile -----------------------------------------------------------


@pytest.mark.django_db
def test_edit_profile_anonymous(client, user):
    assert_login_redirect(client.get(EDIT), next_path=EDIT)
    assert_login_redirect(client.post(EDIT, {"display_name": "Hacked", "bio": "x"}))
    user.refresh_from_db()
    assert user.display_name == "Alice"


@pytest.mark.django_db
def test_member_edits_their_own_profile(login, client_for, user, other_user):
    c = login(user)
    form = c.get(EDIT)
    assert form.status_code == 200
    for name in ("display_name", "bio", "website", "avatar"):
        assert f'name="{name}"' in text_of(form)
    assert 'enctype="multipart/form-data"' in text_of(form)
    response = c.post(
        EDIT,
        {
            "display_name": "Alice Liddell",
            "bio": "Down the rabbit hole.",
            "website": "https://liddell.example.org/",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    other_user.refresh_from_db()
    assert (user.display_name, user.bio, user.website) == (
        "Alice Liddell",
        "Down the rabbit hole.",
        "https://liddell.example.org/",
    )
    assert other_user.display_name == "Bob"
    page = visible_text(client_for().get(profile_url(user)))
    assert "Alice Liddell" in page and "Down the rabbit hole." in page


@pytest.mark.django_db
def test_edit_profile_ignores_attempts_to_edit_someone_else(login, user, other_user):
    c = login(user)
    c.post(
        EDIT + f"?pk={other_user.pk}",
        {
            "display_name": "Mallory",
            "bio": "",
            "website": "",
            "username": "bob2",
            "pk": other_user.pk,
            "id": other_user.pk,
            "is_staff": "on",
            "is_superuser": "on",
            "email": "evil@example.com",
        },
    )
    user.refresh_from_db()
    other_user.refresh_from_db()
    assert other_user.display_name == "Bob" and other_user.username == "bob"
    assert user.display_name == "Mallory"
    assert user.username == "alice" and not user.is_staff and not user.is_superuser
    assert user.email == "alice@example.com"


@pytest.mark.django_db
@pytest.mark.parametrize("website", ["javascript:alert(1)", "not a url", "ftp://example.com/"])
def test_bad_website_is_a_form_error(login, user, website):
    response = login(user).post(EDIT, {"display_name": "Alice", "bio": "", "website": website})
    assert_form_error(response, "website")
    user.refresh_from_db()
    assert user.website == ""


@pytest.mark.django_db
def test_overlong_bio_is_a_form_error(login, user):
    response = login(user).post(EDIT, {"display_name": "Alice", "bio": "b" * 1001, "website": ""})
    assert_form_error(response, "bio")
    user.refresh_from_db()
    assert user.bio == ""
