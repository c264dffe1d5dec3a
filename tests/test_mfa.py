"""Two-factor authentication (allauth.mfa): an authenticator app with recovery codes, and
staff who must turn it on before they can use the admin."""

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from reviews.models import Review

from .helpers import parse_tags, text_of, visible_text

STAFF_MESSAGE = "Staff accounts need two-factor authentication"


def code_now(secret):
    """The code an authenticator app shows now, computed with allauth's own TOTP maths."""
    period = mfa_settings.TOTP_PERIOD
    if time.time() % period > period - 2:
        time.sleep(2.5)  # don't hand over a code in the last moment of its window
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def log_in(client, user, password=None):
    return client.post(
        reverse("account_login"),
        {"login": user.username, "password": password or user.raw_password},
    )


def logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def activate_totp(client, user):
    """Turn on the authenticator app through the pages a member uses; return the secret."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302 and "reauthenticate" in response["Location"]:
        # allauth asks for the password again before security settings change.
        reauth = client.post(response["Location"], {"password": user.raw_password})
        assert reauth.status_code == 302, visible_text(reauth)
        response = client.get(reauth["Location"])
    assert response.status_code == 200
    page = text_of(response)
    assert 'src="data:image/svg+xml;base64,' in page, "the QR code to scan"
    secret = next(
        attrs["value"]
        for tag, attrs in parse_tags(page).tags
        if tag == "input" and attrs.get("id") == "authenticator_secret"
    )
    wrong = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert wrong.status_code == 200 and "Incorrect code" in visible_text(wrong)
    assert not Authenticator.objects.filter(user=user).exists()
    done = client.post(reverse("mfa_activate_totp"), {"code": code_now(secret)})
    assert done.status_code == 302, visible_text(done)
    return secret, done


def recovery_codes_from_page(client):
    page = visible_text(client.get(reverse("mfa_view_recovery_codes")))
    return re.findall(r"\b\d{8}\b", page)


@pytest.mark.django_db
def test_a_member_turns_on_two_factor_and_then_logging_in_asks_for_a_code(client, user):
    assert log_in(client, user).status_code == 302
    settings_page = visible_text(client.get(reverse("accounts:edit_profile")))
    assert "Two-factor authentication" in settings_page
    index = client.get(reverse("mfa_index"))
    assert "base.html" in [t.name for t in index.templates], "inside the site's own layout"
    assert "An authenticator app is not active." in visible_text(index)

    secret, done = activate_totp(client, user)
    assert done["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    codes = recovery_codes_from_page(client)
    assert len(codes) == 10, "recovery codes are made and shown at once"
    assert "Authentication using an authenticator app is active." in visible_text(
        client.get(reverse("mfa_index"))
    )

    client.post(reverse("account_logout"))
    step = log_in(client, user)
    assert step.status_code == 302 and step["Location"] == reverse("mfa_authenticate")
    assert logged_in_user_id(client) is None, "the password alone doesn't log in"
    prompt = visible_text(client.get(reverse("mfa_authenticate")))
    assert "authenticator app" in prompt and "recovery codes" in prompt
    home = visible_text(client.get(reverse("home")))
    assert "Log in" in home

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert wrong.status_code == 200 and "Incorrect code" in visible_text(wrong)
    assert logged_in_user_id(client) is None
    right = client.post(reverse("mfa_authenticate"), {"code": code_now(secret)})
    assert right.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)


@pytest.mark.django_db
def test_a_code_can_not_be_used_twice(make_user):
    member = make_user(mfa=True)
    code = code_now(member.totp_secret)
    first, second = Client(), Client()
    log_in(first, member)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    log_in(second, member)
    replay = second.post(reverse("mfa_authenticate"), {"code": code})
    assert replay.status_code == 200 and "Incorrect code" in visible_text(replay)
    assert logged_in_user_id(second) is None


@pytest.mark.django_db
def test_a_recovery_code_logs_in_once(client, make_user):
    member = make_user(mfa=True)
    codes = RecoveryCodes.activate(member).get_unused_codes()

    log_in(client, member)
    assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert logged_in_user_id(client) == str(member.pk)

    client.post(reverse("account_logout"))
    log_in(client, member)
    again = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert again.status_code == 200 and "Incorrect code" in visible_text(again)
    assert logged_in_user_id(client) is None
    assert client.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302
    assert logged_in_user_id(client) == str(member.pk)


@pytest.mark.django_db
def test_guessing_codes_is_rate_limited(client, make_user):
    member = make_user(mfa=True)
    log_in(client, member)
    for guess in ("111111", "222222", "333333", "444444", "555555"):
        client.post(reverse("mfa_authenticate"), {"code": guess})
    refused = client.post(reverse("mfa_authenticate"), {"code": code_now(member.totp_secret)})
    assert "Too many failed login attempts" in visible_text(refused)
    assert logged_in_user_id(client) is None


# --- The admin ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_login_is_the_sites_login(client, staff_user):
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert response.status_code == 200
    assert "account/login.html" in [t.name for t in response.templates]

    # The admin's own login form no longer logs anyone in.
    direct = client.post(
        reverse("admin:login"),
        {"username": staff_user.username, "password": staff_user.raw_password},
    )
    assert direct.status_code == 302 and direct["Location"].startswith(reverse("account_login"))
    assert logged_in_user_id(client) is None


@pytest.mark.django_db
def test_the_admin_login_goes_through_allauths_rate_limit(client, staff_user):
    login_page = client.get(reverse("admin:index"), follow=True).redirect_chain[-1][0]
    for _ in range(5):
        client.post(login_page, {"login": staff_user.username, "password": "not-the-password"})
    refused = client.post(
        login_page, {"login": staff_user.username, "password": staff_user.raw_password}
    )
    assert "Too many failed login attempts" in visible_text(refused)
    assert logged_in_user_id(client) is None
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_a_logged_in_member_who_isnt_staff_cant_reach_the_admin(client, user):
    client.force_login(user)
    assert client.get(reverse("admin:login")).status_code == 403
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_staff_without_two_factor_are_sent_to_set_it_up(client, make_user, film, make_review):
    staff = make_user(username="newmod", is_staff=True, is_superuser=True, mfa=False)
    review = make_review(film=film, author=make_user())
    client.force_login(staff)
    for url in (
        reverse("admin:index"),
        reverse("admin:reviews_review_changelist"),
        reverse("admin:reviews_review_change", args=[review.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url
    client.post(
        reverse("admin:reviews_review_changelist"),
        {"action": "hide", "_selected_action": [review.pk], "index": "0"},
    )
    assert Review.objects.get(pk=review.pk).status == "published", "no admin action ran"
    shown = client.get(reverse("admin:index"), follow=True)
    assert STAFF_MESSAGE in visible_text(shown)
    # The rest of the site is open to them as to any member.
    assert client.get(film.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_staff_without_two_factor_can_still_log_out_and_every_admin_address_is_held(
    client, make_user
):
    staff = make_user(username="newmod", is_staff=True, is_superuser=True, mfa=False)
    client.force_login(staff)
    # An address the admin doesn't have goes the same way as the ones it has.
    assert client.get("/admin/no-such-page/")["Location"] == reverse("mfa_activate_totp")
    response = client.post(reverse("admin:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_staff_who_set_up_two_factor_get_into_the_admin(client, make_user):
    staff = make_user(username="newmod", is_staff=True, is_superuser=True, mfa=False)
    log_in(client, staff)
    response = client.get(reverse("admin:index"))
    assert response["Location"] == reverse("mfa_activate_totp")
    activate_totp(client, staff)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_staff_with_two_factor_use_the_admin(client, staff_user):
    assert Authenticator.objects.filter(user=staff_user, type="totp").exists()
    client.force_login(staff_user)
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_with_the_requirement_off_staff_use_the_admin_as_before(client, make_user, settings):
    settings.MARQUEE_STAFF_MFA_REQUIRED = False
    staff = make_user(username="newmod", is_staff=True, is_superuser=True, mfa=False)
    client.force_login(staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert STAFF_MESSAGE not in visible_text(response)


def test_the_requirement_is_on_unless_switched_off(tmp_path):
    from .test_settings import manage, production_env

    code = "from django.conf import settings as s; print(s.MARQUEE_STAFF_MFA_REQUIRED)"
    default = manage("shell", "--no-imports", "-c", code, tmp_path=tmp_path, **production_env())
    off = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        tmp_path=tmp_path,
        MARQUEE_STAFF_MFA_REQUIRED="false",
        **production_env(),
    )
    assert default.stdout.split() == ["True"], default.stderr
    assert off.stdout.split() == ["False"], off.stderr


def test_authenticator_secrets_are_stored_encrypted(client, user):
    log_in(client, user)
    secret, _ = activate_totp(client, user)
    stored = {a.type: a.data for a in Authenticator.objects.filter(user=user)}
    assert secret not in str(stored["totp"])
    assert stored["totp"]["secret"].startswith("gAAAA")  # a Fernet token
    assert stored["recovery_codes"]["seed"].startswith("gAAAA")


def test_secrets_survive_a_secret_key_rotation_with_fallbacks(make_user, settings):
    member = make_user(username="rotator", mfa=True)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY = "a-brand-new-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = [old_key]
    client = Client()
    client.post(reverse("account_login"), {"login": "rotator", "password": member.raw_password})
    done = client.post(reverse("mfa_authenticate"), {"code": code_now(member.totp_secret)})
    assert done.status_code == 302 and logged_in_user_id(client) == str(member.pk)

    # Without the fallback the secret can't be read: the code is refused, with no error page.
    settings.SECRET_KEY_FALLBACKS = []
    other = Client()
    other.post(reverse("account_login"), {"login": "rotator", "password": member.raw_password})
    refused = other.post(reverse("mfa_authenticate"), {"code": code_now(member.totp_secret)})
    assert refused.status_code == 200 and logged_in_user_id(other) is None
