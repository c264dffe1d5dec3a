"""Signing up and logging in with django-allauth: username, e-mail, either to log in."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from .helpers import assert_form_error, text_of

User = get_user_model()
PASSWORD = "a-Long-unusual-passphrase-42"


def signup(client, next_path=None, **overrides):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(overrides)
    url = reverse("account_signup")
    if next_path:
        url += f"?next={next_path}"
    return client.post(url, data)


def logged_in_as(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


@pytest.mark.django_db
def test_signup_creates_a_member_and_logs_them_in(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.com"
    assert user.check_password(PASSWORD)
    assert not user.is_staff
    assert logged_in_as(client) == user


@pytest.mark.django_db
def test_signup_returns_to_the_film(client, film):
    response = signup(client, next_path=film.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == film.get_absolute_url()


@pytest.mark.django_db
def test_signup_page_has_the_fields_and_is_themed(client):
    response = client.get(reverse("account_signup"))
    assert response.status_code == 200
    html = text_of(response)
    for name in ("username", "email", "password1", "password2", "csrfmiddlewaretoken"):
        assert f'name="{name}"' in html
    assert "base.html" in [t.name for t in response.templates]


@pytest.mark.django_db
def test_signup_with_a_taken_username_or_email_is_a_form_error(client, user):
    assert_form_error(signup(client, username="alice", email="fresh@example.com"), "username")
    assert_form_error(signup(client, username="fresh", email="ALICE@example.com"), "email")
    assert User.objects.filter(username="fresh").count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["admin", "with space", "<script>", "a/b"])
def test_signup_refuses_bad_usernames(client, username):
    assert_form_error(signup(client, username=username), "username")
    assert not User.objects.filter(email="newcomer@example.com").exists()


@pytest.mark.django_db
def test_signup_refuses_weak_passwords(client):
    response = signup(client, password1="password", password2="password")
    assert response.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("login_with", ["username", "email", "EMAIL"])
def test_login_by_username_or_email(client, user, login_with):
    login = {"username": user.username, "email": user.email, "EMAIL": user.email.upper()}[
        login_with
    ]
    response = client.post(
        reverse("account_login"), {"login": login, "password": user.raw_password}
    )
    assert response.status_code == 302
    assert logged_in_as(client) == user


@pytest.mark.django_db
def test_login_returns_to_next(client, user, film):
    url = reverse("account_login") + "?next=" + film.get_absolute_url()
    response = client.post(url, {"login": user.email, "password": user.raw_password})
    assert response["Location"] == film.get_absolute_url()


@pytest.mark.django_db
def test_login_never_redirects_off_site(client, user):
    url = reverse("account_login") + "?next=https://evil.example/"
    response = client.post(url, {"login": user.username, "password": user.raw_password})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_wrong_password_is_a_form_error(client, user):
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": "wrong-password"}
    )
    assert response.status_code == 200
    assert logged_in_as(client) is None
    assert "password" in text_of(response).lower()


@pytest.mark.django_db
def test_logout_is_a_post(client, user):
    client.force_login(user)
    client.get(reverse("account_logout"))
    assert logged_in_as(client) == user
    client.post(reverse("account_logout"))
    assert logged_in_as(client) is None


@pytest.mark.django_db
def test_password_reset_sends_an_email(client, user):
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert user.email in mail.outbox[0].to


@pytest.mark.django_db
def test_password_change(client, user):
    client.force_login(user)
    assert client.get(reverse("account_change_password")).status_code == 200
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": user.raw_password, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_header_shows_login_for_visitors_and_the_member_when_logged_in(client, user):
    html = text_of(client.get(reverse("home")))
    assert reverse("account_login") in html and reverse("account_signup") in html
    client.force_login(user)
    html = text_of(client.get(reverse("home")))
    assert "Alice" in html
    assert reverse("accounts:profile", args=["alice"]) in html


@pytest.mark.django_db
def test_password_reset_link_sets_a_new_password(client, user):
    client.post(reverse("account_reset_password"), {"email": user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    response = client.get(link.group(1), follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link.group(1)
    response = client.post(form_url, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_mandatory_email_verification_holds_new_members_at_the_door(client, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    response = client.post(
        reverse("account_signup"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert logged_in_as(client) is None
    assert len(mail.outbox) == 1 and "newbie@example.com" in mail.outbox[0].to


def setting_under(name, **env):
    """The value of setting `name` in a fresh process started with these variables."""
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            f"from django.conf import settings; print(settings.{name})",
        ],
        env={**os.environ, **env},
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("value", ["mandatory", "none"])
def test_email_verification_is_set_by_the_environment(value):
    assert (
        setting_under(
            "ACCOUNT_EMAIL_VERIFICATION", DJANGO_DEBUG="true", ACCOUNT_EMAIL_VERIFICATION=value
        )
        == value
    )


@pytest.mark.parametrize(("https", "scheme"), [("false", "http"), ("true", "https")])
def test_account_email_links_use_the_served_scheme(https, scheme):
    assert (
        setting_under(
            "ACCOUNT_DEFAULT_HTTP_PROTOCOL",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY="x" * 50,
            DJANGO_HTTPS=https,
        )
        == scheme
    )
