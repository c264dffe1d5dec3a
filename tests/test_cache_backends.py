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


def _in_another_thread(work):
    """Run `work` on a connection of its own, as another web process would."""
    import threading

    from django.db import connections

    def run():
        try:
            work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def _counter_reads(connection, table):
    return [q for q in connection.queries if f'FROM "{table}"' in q["sql"]]


@pytest.fixture
def sqlite_counters():
    """The counters cache, where its reads are remembered: in SQLite's table."""
    from django.db import connection

    from core.counter_cache import CounterCache

    counters = caches["counters"]
    if not isinstance(counters, CounterCache) or connection.vendor != "sqlite":
        pytest.skip("the counters are remembered this way only in SQLite's table")
    return counters


@pytest.mark.django_db(transaction=True)
def test_sqlite_counters_are_read_once_until_another_connection_commits(sqlite_counters):
    """On SQLite a connection remembers the counters it read outside a transaction while
    PRAGMA data_version says no other connection committed since: a cached page then costs
    no read of the table. Another connection's write, and this connection's own, are seen
    by the very next read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.counter_cache import CounterCache

    counters = sqlite_counters
    try:
        counters.set("memo-check", 1, timeout=None)
        assert counters.get("memo-check") == 1
        with CaptureQueriesContext(connection):
            assert counters.get("memo-check") == 1
            assert not _counter_reads(connection, counters._table)

        _in_another_thread(lambda: CounterCache(counters._table, {}).set("memo-check", 2))
        with CaptureQueriesContext(connection):
            assert counters.get("memo-check") == 2
            assert len(_counter_reads(connection, counters._table)) == 1

        counters.set("memo-check", 3, timeout=None)  # this connection's own write
        assert counters.get("memo-check") == 3
        counters.delete("memo-check")
        assert counters.get("memo-check") is None
        counters.set("memo-check", 4, timeout=None)
        counters.clear()
        assert counters.get("memo-check") is None
    finally:
        counters.delete("memo-check")


@pytest.mark.django_db(transaction=True)
def test_sqlite_remembered_counters_never_hide_a_change_made_in_a_transaction(
    sqlite_counters,
):
    """Reads inside a transaction see its own uncommitted bump; a rolled-back bump is gone
    again afterwards; a committed one shows."""
    from django.db import transaction

    from core.cache import bump_content_version, content_version

    before = content_version()
    assert content_version() == before  # remembered
    with pytest.raises(RuntimeError), transaction.atomic():
        bump_content_version()
        inside = content_version()
        assert inside > before
        raise RuntimeError("roll back")
    assert content_version() == before
    with transaction.atomic():
        bump_content_version()
    assert content_version() > before


@pytest.mark.django_db(transaction=True)
def test_sqlite_cached_page_is_retired_by_another_process_write(film, user, sqlite_counters):
    """The page cache end to end: a repeat visit reads nothing from the database, and a
    review written on another connection (another web process) shows on the next visit."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from reviews.models import Review

    client = Client()
    url = film.get_absolute_url()
    first = client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert again.content == first.content
    assert ctx.captured_queries == []

    def review_elsewhere():
        Review.objects.save_for(
            film=film,
            author=user,
            rating=8,
            headline="Seen from another process",
            body="Written on a connection of its own.",
            contains_spoilers=False,
        )

    _in_another_thread(review_elsewhere)
    after = client.get(url)
    assert after["ETag"] != first["ETag"]
    assert "Seen from another process" in after.content.decode()


@pytest.mark.django_db(transaction=True)
def test_sqlite_remembered_counters_are_forgotten_when_a_write_fails_halfway(
    sqlite_counters,
):
    """Outside a transaction each UPDATE commits on its own: when the second of a bump's two
    fails, the first has still moved its counter, and the next read must see it."""
    from django.db import OperationalError, connection

    from core.cache import bump_content_version, catalog_version

    before = catalog_version()
    assert catalog_version() == before  # remembered
    updates = []

    def fail_the_second_update(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and caches["counters"]._table in sql:
            updates.append(sql)
            if len(updates) == 2:
                raise OperationalError("disk I/O error")
        return execute(sql, params, many, context)

    with pytest.raises(OperationalError), connection.execute_wrapper(fail_the_second_update):
        bump_content_version(catalog=True)
    assert len(updates) == 2
    assert catalog_version() > before
