"""Passwords per OWASP ASVS 4.0 level 1 (12 to 128 characters, no common or look-alike
passwords, no composition rules), and account pages that don't tell who has an account."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from .helpers import form_errors, visible_text

User = get_user_model()


def signup(client, password, username="filmgoer", email="filmgoer@example.com"):
    return client.post(
        reverse("account_signup"),
        {"username": username, "email": email, "password1": password, "password2": password},
    )


def password_errors(response):
    return " ".join(form_errors(response).get("password1", []))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    [
        "tangerines-7",  # 12 characters, the minimum
        "all lowercase words with spaces",  # no composition rules
        "480215937462",  # digits only are fine too when long and uncommon
        "Ünïcödé ☂ passphrase",  # any printable Unicode
        "a long passphrase " * 3 + "and more",  # 62 characters
        ("correct horse battery staple " * 5)[:128],  # the maximum
    ],
)
def test_long_enough_uncommon_passwords_are_accepted(client, password):
    response = signup(client, password)
    assert response.status_code == 302, password_errors(response)
    assert User.objects.get(username="filmgoer").check_password(password)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password, message",
    [
        ("tangerine-7", "at least 12 characters"),
        ("x" * 129, "at most 128 characters"),
        ("qwerty123456", "too common"),
        ("password1234", "too common"),
        ("filmgoer2025!", "too similar to the username"),
    ],
)
def test_weak_or_absurd_passwords_are_refused_with_a_clear_message(client, password, message):
    response = signup(client, password)
    assert response.status_code == 200
    assert message in password_errors(response)
    assert message in visible_text(response), "the reason is on the page"
    assert not User.objects.filter(username="filmgoer").exists()


@pytest.mark.django_db
def test_the_sign_up_page_states_the_rules(client):
    page = visible_text(client.get(reverse("account_signup")))
    assert "at least 12 characters" in page
    assert "up to 128 characters" in page


@pytest.mark.django_db
def test_changing_the_password_follows_the_same_rules(client, user):
    client.force_login(user)
    url = reverse("account_change_password")
    short = client.post(
        url,
        {"oldpassword": user.raw_password, "password1": "short-pass", "password2": "short-pass"},
    )
    assert "at least 12 characters" in visible_text(short)
    user.refresh_from_db()
    assert user.check_password(user.raw_password)
    good = "a much longer passphrase"
    assert (
        client.post(
            url, {"oldpassword": user.raw_password, "password1": good, "password2": good}
        ).status_code
        == 302
    )
    user.refresh_from_db()
    assert user.check_password(good)


# --- Not telling who has an account ------------------------------------------------------


def login_error(client, login, password):
    response = client.post(reverse("account_login"), {"login": login, "password": password})
    assert response.status_code == 200
    errors = form_errors(response)
    return errors.get("__all__", []), visible_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "known, unknown",
    [("alice", "nobody-here"), ("alice@example.com", "nobody@example.com")],
)
def test_login_says_the_same_for_an_unknown_account_and_a_wrong_password(
    client, user, known, unknown
):
    wrong_password = login_error(client, known, "not-alices-password")
    no_account = login_error(client, unknown, "not-alices-password")
    assert wrong_password[0] and wrong_password[0] == no_account[0]
    assert "not correct" in wrong_password[0][0]
    assert wrong_password[1].replace(known, unknown) == no_account[1]


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_an_unknown_address(client, user):
    url = reverse("account_reset_password")
    known = client.post(url, {"email": user.email})
    unknown = client.post(url, {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")
    # Each address gets one e-mail: a reset link, or a note that it has no account here.
    assert [m.to for m in mail.outbox] == [[user.email], ["nobody@example.com"]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert "/accounts/password/reset/key/" not in mail.outbox[1].body


@pytest.mark.django_db
def test_with_mandatory_verification_sign_up_keeps_a_taken_address_secret(client, user, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    fresh = signup(client, "tangerines-7", username="newcomer", email="newcomer@example.com")
    taken = signup(client, "tangerines-7", username="copycat", email="ALICE@example.com")
    assert fresh.status_code == taken.status_code == 302
    assert fresh["Location"] == taken["Location"]
    assert not User.objects.filter(username="copycat").exists()
    # The owner hears about it by e-mail; the person signing up learns nothing on the page.
    assert [m.to for m in mail.outbox] == [["newcomer@example.com"], [user.email]]
    assert "already" in mail.outbox[1].body.lower()


def test_verification_is_mandatory_where_the_site_sends_real_email(tmp_path):
    from .test_settings import manage, production_env

    code = (
        "from django.conf import settings as s;"
        "print(s.ACCOUNT_EMAIL_VERIFICATION, s.ACCOUNT_PREVENT_ENUMERATION)"
    )
    with_mail = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        tmp_path=tmp_path,
        EMAIL_URL="smtp+tls://user:pw@smtp.example.com:587",
        **production_env(),
    )
    console = manage("shell", "--no-imports", "-c", code, tmp_path=tmp_path, **production_env())
    assert with_mail.stdout.split() == ["mandatory", "True"], with_mail.stderr
    assert console.stdout.split() == ["optional", "True"], console.stderr
