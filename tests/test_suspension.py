"""Suspending a member stops them logging in and hides their content; lifting it restores
both, with the film statistics exact at every step."""

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import ModerationLog, Reply

from .helpers import text_of, visible_text


@pytest.fixture
def world(film, user, other_user, make_review):
    mine = make_review(film=film, author=user, rating=2, body="Alice hates Her.")
    theirs = make_review(film=film, author=other_user, rating=10, body="Bob loves Her.")
    Reply.objects.create(review=theirs, author=user, body="Alice disagrees with Bob.")
    return {"mine": mine, "theirs": theirs}


def suspend(client, staff, *members, action="suspend"):
    c = client
    c.force_login(staff)
    return c.post(
        reverse("admin:accounts_user_changelist"),
        {"action": action, "_selected_action": [m.pk for m in members], "index": "0"},
    )


@pytest.mark.django_db
def test_suspension_hides_content_and_lifting_restores_it(client, staff_user, user, film, world):
    suspend(Client(), staff_user, user)
    user.refresh_from_db()
    assert not user.is_active
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum, film.review_count) == (1, 10, 1)
    page = visible_text(client.get(film.get_absolute_url()))
    assert "Alice hates Her." not in page and "Bob loves Her." in page
    assert client.get(world["mine"].get_absolute_url()).status_code == 404
    assert "Alice disagrees" not in text_of(client.get(world["theirs"].get_absolute_url()))
    assert client.get(user.get_absolute_url()).status_code == 404
    assert client.get(reverse("reviews:member_feed", args=[user.username])).status_code == 404
    assert ModerationLog.objects.get().action == "suspend"

    suspend(Client(), staff_user, user, action="reinstate")
    user.refresh_from_db()
    assert user.is_active
    film.refresh_from_db()
    assert (film.rating_count, film.rating_sum, film.review_count) == (2, 12, 2)
    assert "Alice hates Her." in visible_text(client.get(film.get_absolute_url()))
    assert "Alice disagrees" in text_of(client.get(world["theirs"].get_absolute_url()))
    assert list(ModerationLog.objects.order_by("pk").values_list("action", flat=True)) == [
        "suspend",
        "unsuspend",
    ]


@pytest.mark.django_db
def test_a_suspended_member_cannot_log_in_and_is_told_why(client, staff_user, user):
    suspend(Client(), staff_user, user)
    response = client.post(
        reverse("account_login"),
        {"login": user.username, "password": user.raw_password},
        follow=True,
    )
    assert "This account is suspended" in visible_text(response)
    assert "_auth_user_id" not in client.session
    assert not response.context["user"].is_authenticated


@pytest.mark.django_db
def test_an_open_session_ends_when_the_member_is_suspended(client_for, staff_user, user, film):
    alice = client_for(user)
    assert alice.get(reverse("reviews:write", args=[film.slug])).status_code == 200
    suspend(Client(), staff_user, user)
    response = alice.post(reverse("reviews:write", args=[film.slug]), {"rating": "8"})
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not film.reviews.exists()


@pytest.mark.django_db
def test_only_those_allowed_may_suspend(client_for, user, other_user, moderator, make_user):
    # A member can't reach the user admin at all; a moderator has no access to accounts.
    for who in (other_user, moderator):
        client_for(who).post(
            reverse("admin:accounts_user_changelist"),
            {"action": "suspend", "_selected_action": [user.pk], "index": "0"},
        )
        user.refresh_from_db()
        assert user.is_active


@pytest.mark.django_db
def test_staff_are_not_suspended_by_the_bulk_action(staff_user, make_user):
    other_staff = make_user(username="otherstaff", is_staff=True)
    suspend(Client(), staff_user, other_staff, staff_user)
    other_staff.refresh_from_db()
    staff_user.refresh_from_db()
    assert other_staff.is_active and staff_user.is_active


@pytest.mark.django_db
def test_unchecking_active_in_the_user_form_is_a_logged_suspension(
    client_for, staff_user, user, film, world
):
    from .helpers import form_defaults

    c = client_for(staff_user)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = form_defaults(text_of(c.get(url)), "username")
    data.pop("is_active", None)
    response = c.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    user.refresh_from_db()
    assert not user.is_active
    film.refresh_from_db()
    assert film.rating_count == 1
    assert ModerationLog.objects.get().action == "suspend"
