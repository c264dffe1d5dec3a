"""Production settings: env-driven, loud on misconfiguration, clean under check --deploy."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, tmp_path, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "MARQUEE_"))
    }
    env["MARQUEE_VAR_DIR"] = str(tmp_path / "var")
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env():
    return {
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "true",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "example.com",
    }


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", tmp_path=tmp_path, **production_env()
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in (result.stdout + result.stderr).lower()


def test_production_cookies_are_secure_and_host_only(tmp_path):
    """Over HTTPS the session and CSRF cookies carry the __Host- prefix: browsers keep them
    only if Secure, for path / and without a Domain, so no subdomain can set them."""
    code = (
        "from django.conf import settings as s\n"
        "from django.test import Client, override_settings\n"
        "plain = {**s.STORAGES, 'staticfiles': {'BACKEND': "
        "'django.contrib.staticfiles.storage.StaticFilesStorage'}}\n"
        "with override_settings(STORAGES=plain):\n"
        "    r = Client(HTTP_HOST='example.com').get('/accounts/login/', secure=True)\n"
        "print(r.status_code, r['Strict-Transport-Security'])\n"
        "print(r.cookies[s.CSRF_COOKIE_NAME].output())\n"
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_PATH,"
        " s.SESSION_COOKIE_DOMAIN, s.SESSION_COOKIE_HTTPONLY)\n"
    )
    result = manage("shell", "--no-imports", "-c", code, tmp_path=tmp_path, **production_env())
    assert result.returncode == 0, result.stderr
    status, csrf, session = result.stdout.strip().splitlines()
    assert status == "200 max-age=31536000; includeSubDomains; preload"
    assert csrf.startswith("Set-Cookie: __Host-csrftoken=")
    assert "; Path=/;" in csrf and "; Secure" in csrf and "Domain" not in csrf
    assert session == "__Host-sessionid True / None True"


def test_plain_http_keeps_the_usual_cookie_names(tmp_path):
    # Browsers drop __Host- cookies that aren't Secure, so `make run` over HTTP can't use it.
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME)"
    env = {**production_env(), "DJANGO_HTTPS": "false"}
    result = manage("shell", "--no-imports", "-c", code, tmp_path=tmp_path, **env)
    assert result.stdout.split() == ["sessionid", "csrftoken"], result.stderr


def test_missing_secret_key_with_debug_off_refuses_to_start(tmp_path):
    result = manage(
        "check", tmp_path=tmp_path, DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="example.com"
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stdout + result.stderr


def test_empty_secret_key_is_as_bad_as_none(tmp_path):
    result = manage(
        "check",
        tmp_path=tmp_path,
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="",
        DJANGO_ALLOWED_HOSTS="example.com",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stdout + result.stderr


def test_debug_on_runs_without_a_secret_key(tmp_path):
    result = manage("check", tmp_path=tmp_path, DJANGO_DEBUG="true")
    assert result.returncode == 0, result.stdout + result.stderr


def test_debug_defaults_to_off(tmp_path):
    # No DJANGO_DEBUG at all: production behaviour, so the missing key is an error.
    result = manage("check", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stdout + result.stderr


def test_production_settings_values(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0,"
        " s.STORAGES['staticfiles']['BACKEND'])"
    )
    result = manage("shell", "--no-imports", "-c", code, tmp_path=tmp_path, **production_env())
    assert result.returncode == 0, result.stderr
    out = result.stdout.strip()
    assert out.startswith("False ['example.com'] True True True True"), out
    assert "whitenoise" in out.lower() and "manifest" in out.lower(), out


def test_database_url_switches_to_postgresql_with_a_pool(tmp_path):
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['NAME'], d['HOST'], bool(d.get('OPTIONS', {}).get('pool')))"
    )
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        tmp_path=tmp_path,
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://marquee:pw@db.example.com:5432/marquee",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "marquee",
        "db.example.com",
        "True",
    ]


def test_redis_url_turns_on_the_redis_cache(tmp_path):
    code = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        tmp_path=tmp_path,
        DJANGO_DEBUG="true",
        REDIS_URL="redis://cache.example.com:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert "redis" in result.stdout.lower()


def test_no_missing_migrations(tmp_path):
    result = manage(
        "makemigrations", "--check", "--dry-run", tmp_path=tmp_path, DJANGO_DEBUG="true"
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options.get("transaction_mode") == "IMMEDIATE"


def test_the_local_key_file_from_make_run_is_used(tmp_path):
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "secret_key").write_text(secrets.token_urlsafe(50) + "\n")
    result = manage(
        "check", tmp_path=tmp_path, DJANGO_DEBUG="false", DJANGO_ALLOWED_HOSTS="example.com"
    )
    assert result.returncode == 0, result.stdout + result.stderr
