"""/accounts/delete/: after re-entering the password, the account and everything personal
go; film statistics and other people's like counts are recounted."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from reviews.models import Like, Reply, Report, Review

from .helpers import assert_login_redirect, visible_text

DELETE = "/accounts/delete/"


@pytest.fixture
def world(film, make_film, user, other_user, make_review):
    other_film = make_film(title="Jurassic Park")
    mine = make_review(film=film, author=user, rating=2, body="Alice's review.")
    make_review(film=other_film, author=user, rating=4, body="")
    bobs = make_review(film=film, author=other_user, rating=10, body="Bob's review.")
    bobs.toggle_like(user)
    mine.toggle_like(other_user)
    Reply.objects.create(review=bobs, author=user, body="Alice's reply.")
    Reply.objects.create(review=mine, author=other_user, body="Bob's reply to Alice.")
    Report.objects.create(reporter=user, review=bobs, reason="spam")
    return {"mine": mine, "bobs": bobs, "other_film": other_film}


@pytest.mark.django_db
def test_anonymous_is_sent_to_log_in(client, user):
    assert reverse("accounts:delete") == DELETE
    assert_login_redirect(client.get(DELETE))
    assert_login_redirect(client.post(DELETE, {"password": user.raw_password}))
    assert get_user_model().objects.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_a_wrong_or_missing_password_deletes_nothing(client_for, user, world):
    c = client_for(user)
    page = c.get(DELETE)
    assert page.status_code == 200 and 'type="password"' in page.content.decode()
    response = c.post(DELETE, {"password": "not-my-password"})
    assert response.status_code == 200
    assert "That is not your password" in visible_text(response)
    response = c.post(DELETE, {})
    assert response.status_code == 200 and "password" in response.context["form"].errors
    assert get_user_model().objects.filter(pk=user.pk).exists()
    assert Review.objects.filter(author=user).count() == 2


@pytest.mark.django_db
def test_deleting_removes_everything_personal_and_recounts(
    client_for, user, other_user, film, world
):
    c = client_for(user)
    response = c.post(DELETE, {"password": user.raw_password}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "are deleted" in visible_text(response)
    assert not get_user_model().objects.filter(pk=user.pk).exists()
    assert not Review.objects.filter(pk=world["mine"].pk).exists()
    assert not Reply.objects.filter(body__startswith="Alice").exists()
    assert not Reply.objects.filter(body="Bob's reply to Alice.").exists(), "went with her review"
    assert not Like.objects.filter(user_id=user.pk).exists()
    assert not Report.objects.exists()
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum, film.review_count) == (1, 10, 1)
    world["other_film"].refresh_from_db()
    assert (world["other_film"].rating_count, world["other_film"].rating_average) == (0, None)
    world["bobs"].refresh_from_db()
    assert world["bobs"].like_count == 0
    # Logged out, and the profile is gone.
    assert "_auth_user_id" not in c.session
    assert Client().get(f"/users/{user.username}/").status_code == 404
    assert get_user_model().objects.filter(pk=other_user.pk).exists()


@pytest.mark.django_db
def test_deleting_removes_the_avatar_files(client_for, user, settings):
    import io
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    c = client_for(user)
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300), "red").save(buffer, "JPEG")
    data = {"display_name": "Alice", "bio": "", "website": "", "spoiler_safe": "on"}
    data["avatar"] = SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")
    assert c.post(reverse("accounts:edit_profile"), data).status_code == 302
    files = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert files
    c.post(DELETE, {"password": user.raw_password})
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
