"""The shared cache, as this run configures it: the database cache by default, Redis when
REDIS_URL is set (`make test-postgres` runs the whole suite that way). Rate limits and
cached pages count on every web process seeing the same values."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent


def test_the_default_cache_is_shared_between_processes():
    expected = (
        "django.core.cache.backends.redis.RedisCache"
        if os.environ.get("REDIS_URL")
        else "django.core.cache.backends.db.DatabaseCache"
    )
    assert settings.CACHES["default"]["BACKEND"] == expected
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"


@pytest.mark.django_db
def test_sessions_survive_in_the_configured_cache(client, user):
    client.force_login(user)
    key = client.session.session_key
    assert caches["default"].get(f"django.contrib.sessions.cached_db{key}") is not None
    assert client.get(user.get_absolute_url()).wsgi_request.user == user


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="this run has no REDIS_URL")
def test_another_process_sees_what_this_one_wrote_to_redis():
    caches["default"].set("cross-process-check", "written by the test process", 30)
    code = "from django.core.cache import cache; print(cache.get('cross-process-check'))"
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip().splitlines()[-1] == "written by the test process"


@pytest.mark.django_db
def test_counters_cache_sets_an_existing_key_with_one_update(django_assert_num_queries):
    """The content version is set on every write and read on every anonymous page
    (core.counter_cache): one statement each, and stored as the stock DatabaseCache code
    stores and reads it."""
    from django.db import connection

    from core.counter_cache import CounterCache

    counters = caches["counters"]
    if not isinstance(counters, CounterCache):
        pytest.skip("the counters live in Redis in this configuration")
    counters.set("bench-counter", 1, timeout=None)  # a new key: the usual insert
    assert counters.get("bench-counter") == 1
    with django_assert_num_queries(1) as captured:
        counters.set("bench-counter", {"version": 2**60}, timeout=None)
    statement = captured.captured_queries[0]["sql"]
    assert f'UPDATE "{counters._table}"' in statement
    if connection.vendor == "postgresql":  # the same statement tells the other processes
        assert "pg_notify" in statement
    assert counters.get("bench-counter") == {"version": 2**60}
    counters.set("bench-counter", 3, timeout=300)
    assert counters.get("bench-counter") == 3
    counters.set("bench-counter", 4, timeout=0)  # expires at once, as in every backend
    assert counters.get("bench-counter") is None
    counters.set("bench-counter", 5)
    with django_assert_num_queries(1):  # every anonymous page reads the version: one SELECT
        assert counters.get("bench-counter") == 5
    assert counters.get_many(["bench-counter"]) == {"bench-counter": 5}  # the stock reader
    assert counters.get("no-such-counter", "absent") == "absent"


@pytest.mark.django_db
def test_counters_cache_reads_follow_the_stored_row_whatever_it_remembers():
    """CounterCache.get() remembers decoded integers and converted expiries by their stored
    form: a row another process rewrote reads back new, an expiry that passed still
    expires, and a mutable value is never shared between callers."""
    from django.db import connection

    from core.counter_cache import CounterCache

    counters = caches["counters"]
    if not isinstance(counters, CounterCache):
        pytest.skip("the counters live in Redis in this configuration")
    counters.set("one", 1, timeout=None)
    counters.set("two", 2, timeout=None)
    for _ in range(3):  # alternating keys, as the content and catalog versions are read
        assert (counters.get("one"), counters.get("two")) == (1, 2)

    # Another process's write: the row changes under this process's remembered decoding.
    other = CounterCache(counters._table, {})
    other.set("one", 11, timeout=None)
    assert counters.get("one") == 11
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(counters._table)}")  # noqa: S608
    assert counters.get("one") is None

    counters.set("soon", 7, timeout=300)
    assert counters.get("soon") == 7
    with connection.cursor() as cursor:  # the same row, its expiry now in the past
        cursor.execute(
            f"UPDATE {connection.ops.quote_name(counters._table)} SET expires = %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(timezone.now() - timedelta(seconds=5))],
        )
    assert counters.get("soon", "gone") == "gone"

    counters.set("mutable", {"n": 1}, timeout=None)
    counters.get("mutable")["n"] = 99
    assert counters.get("mutable") == {"n": 1}


@pytest.mark.django_db
def test_counters_cache_new_key_with_a_timeout_expires_on_time():
    """A key that doesn't exist yet goes through DatabaseCache's insert, which converts the
    timeout itself: converted twice, it never expired."""
    from django.db import connection

    from core.counter_cache import CounterCache

    counters = caches["counters"]
    if not isinstance(counters, CounterCache):
        pytest.skip("the counters live in Redis in this configuration")
    counters.set("fresh", 1, timeout=60)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT expires FROM {connection.ops.quote_name(counters._table)} "  # noqa: S608
            "WHERE cache_key = %s",
            [counters.make_and_validate_key("fresh")],
        )
        (stored,) = cursor.fetchone()
    expression, converters = counters._expiry_converters(connection)
    for converter in converters:
        stored = converter(stored, expression, connection)
    assert timezone.now() + timedelta(seconds=50) < stored < timezone.now() + timedelta(seconds=70)
