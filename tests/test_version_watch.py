"""Each process's copy of the counters on PostgreSQL (core.version_watch): kept current by
LISTEN/NOTIFY, never older than this process's own last write, never used inside a
transaction, and set aside for the table whenever its connection fails.

"Another process" is a connection of the test's own that runs the statements
CounterCache runs, so its changes come with no expectation registered in this process.
"""

import threading
import time

import psycopg
import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import version_watch
from core.cache import VERSION_KEY, bump_content_version, content_version

TABLE = "marquee_counters_watch_test"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def counters(settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's")
    # A quicker heartbeat: the listener also stops within one at the end of each test.
    monkeypatch.setattr(version_watch, "HEARTBEAT", 0.2)
    call_command("createcachetable", TABLE, verbosity=0)
    settings.CACHES = {
        **settings.CACHES,
        "counters": {"BACKEND": "core.counter_cache.CounterCache", "LOCATION": TABLE},
    }
    settings.MARQUEE_COUNTER_WATCH = True
    counters = caches["counters"]
    counters.clear()
    yield counters
    version_watch.stop_all()


@pytest.fixture
def other_process():
    """A connection of its own, writing as another web process's CounterCache writes."""
    with version_watch._connect(connection.alias) as conn:
        yield conn


def other_set(conn, counters, data, *, forever=True):
    """What another process's CounterCache.set_many() sends: one statement."""
    import base64
    import pickle
    from datetime import datetime, timedelta

    encoded = {
        counters.make_and_validate_key(key): base64.b64encode(
            pickle.dumps(value, counters.pickle_protocol)
        ).decode()
        for key, value in data.items()
    }
    expires = datetime.max if forever else datetime.now() + timedelta(minutes=5)
    row = conn.execute(
        version_watch.notify_sql(lambda name: f'"{name}"', TABLE, encoded, forever=forever),
        [
            list(encoded),
            list(encoded.values()),
            expires.replace(microsecond=0),
            version_watch.CHANNEL,
            version_watch.statement_id(),
        ],
    ).fetchone()
    assert row is not None, "the keys must exist already"


def watching(counters):
    return version_watch.watcher(TABLE, connection.alias)


def wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def reads_from_copy(counters, key, expected):
    with CaptureQueriesContext(connection) as captured:
        value = counters.get(key)
    return value == expected and not captured.captured_queries


def test_snapshot_visibility_follows_postgresql_rules():
    assert version_watch.visible_in("100:105:", 99)
    assert version_watch.visible_in("100:105:101,103", 102)
    assert not version_watch.visible_in("100:105:101,103", 103)
    assert not version_watch.visible_in("100:105:", 105)
    assert not version_watch.visible_in("100:105:", 200)


def test_another_process_change_reaches_the_copy_and_is_read_without_a_query(
    counters, other_process
):
    counters.set("v", 1, timeout=None)
    watching(counters)
    wait_until(lambda: reads_from_copy(counters, "v", 1))

    other_set(other_process, counters, {"v": 2})
    # As soon as the notification is heard the copy answers, with no query.
    wait_until(lambda: reads_from_copy(counters, "v", 2), timeout=2)
    assert counters.get("v") == 2


def test_this_process_never_reads_older_than_its_own_last_write(counters):
    counters.set("v", 0, timeout=None)
    watching(counters)
    for n in range(1, 60):
        if n % 2:
            with transaction.atomic():
                counters.set("v", n, timeout=None)
        else:
            counters.set("v", n, timeout=None)  # autocommit
        assert counters.get("v") == n
    wait_until(lambda: reads_from_copy(counters, "v", 59))


def test_another_thread_of_this_process_sees_a_commit_at_once(counters):
    """The content version bumped in one request thread is the next read in another."""
    watching(counters)
    before = content_version()
    wait_until(lambda: reads_from_copy(counters, VERSION_KEY, before))
    seen = []

    def writer():
        with transaction.atomic():
            bump_content_version()
        seen.append(content_version())
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    thread.join()
    assert seen[0] > before
    assert content_version() == seen[0]


def test_a_rolled_back_change_is_never_seen(counters):
    counters.set("v", 1, timeout=None)
    watcher = watching(counters)
    wait_until(lambda: reads_from_copy(counters, "v", 1))
    with pytest.raises(RuntimeError), transaction.atomic():
        counters.set("v", 999, timeout=None)
        assert counters.get("v") == 999  # a transaction reads its own change
        raise RuntimeError
    assert watcher.awaiting  # never to be heard of
    assert counters.get("v") == 1
    # The next read of the table finds that transaction over, and the copy answers again.
    wait_until(lambda: reads_from_copy(counters, "v", 1), timeout=2)


def test_a_long_transaction_is_read_from_the_table_until_heard(counters):
    """However long the transaction runs (reads of the table happen meanwhile), its change
    is read from the table until the copy has it."""
    counters.set("v", 1, timeout=None)
    watcher = watching(counters)
    wait_until(lambda: reads_from_copy(counters, "v", 1))
    reloaded = watcher.reloaded
    with transaction.atomic():
        counters.set("v", 2, timeout=None)
        wait_until(lambda: watcher.reloaded > reloaded + 2 * version_watch.HEARTBEAT)
    assert counters.get("v") == 2
    wait_until(lambda: reads_from_copy(counters, "v", 2))


def test_one_statement_sets_both_versions_in_one_notification(counters, other_process):
    """The content and catalog versions move together: no reader sees one without the
    other (a page keyed by the new content version over the old catalog's fragments)."""
    from core.cache import CATALOG_KEY, catalog_version

    content_version()
    catalog_version()
    other_process.execute(f'LISTEN "{version_watch.CHANNEL}"')
    bump_content_version()
    notes = list(other_process.notifies(timeout=1, stop_after=1))
    assert len(notes) == 1
    words = notes[0].payload.split(" ")[2:]
    assert sorted(words[::2]) == sorted(
        counters.make_and_validate_key(k) for k in (VERSION_KEY, CATALOG_KEY)
    )
    watcher = watching(counters)
    wait_until(lambda: reads_from_copy(counters, VERSION_KEY, content_version()))
    assert watcher.values[counters.make_and_validate_key(CATALOG_KEY)] == catalog_version()


def test_a_value_set_twice_in_one_transaction_ends_as_the_table_does(counters, other_process):
    """PostgreSQL delivers a transaction's identical notifications once: each carries a
    number of its own, so setting 1, 2, then 1 again is heard as three changes, ending at 1
    (not at 2, which a reload of the table would only correct later)."""
    counters.set("v", 0, timeout=None)
    other_process.execute(f'LISTEN "{version_watch.CHANNEL}"')
    with transaction.atomic():
        for value in (1, 2, 1):
            counters.set("v", value, timeout=None)
    notes = []
    deadline = time.monotonic() + 2
    while len(notes) < 3 and time.monotonic() < deadline:
        notes += other_process.notifies(timeout=0.5, stop_after=1)
    assert len(notes) == 3
    assert version_watch._decode(notes[-1].payload.split(" ")[-1]) == 1


def test_values_the_copy_must_not_hold_are_read_from_the_table(counters, other_process):
    """A key with an expiry, a mutable value and one too large to notify are never served
    from the copy; each still reads back right."""
    counters.set("v", 1, timeout=None)
    counters.set("mutable", 1, timeout=None)
    counters.set("large", 1, timeout=None)
    watcher = watching(counters)
    wait_until(lambda: reads_from_copy(counters, "large", 1))
    counters.set("v", 2, timeout=300)
    counters.set("mutable", {"n": 1}, timeout=None)
    counters.set("large", "x" * 10_000, timeout=None)
    assert counters.get("v") == 2
    counters.get("mutable")["n"] = 99
    assert counters.get("mutable") == {"n": 1}
    assert counters.get("large") == "x" * 10_000
    wait_until(lambda: not watcher.awaiting)
    for key in ("v", "mutable"):
        assert counters.make_and_validate_key(key) not in watcher.values
    # Too large to notify, it was read again from the table: a string may be copied.
    assert reads_from_copy(counters, "large", "x" * 10_000)
    other_set(other_process, counters, {"v": 3}, forever=False)  # another process's, too
    wait_until(lambda: counters.make_and_validate_key("v") not in watcher.values, timeout=2)


def test_the_listener_works_in_a_time_zone_east_of_utc(counters, other_process):
    """Keys that never expire are stored with a year-9999 expiry, which read as a
    timestamp in Tokyo's time zone is out of range: the listener compares it in SQL."""
    name = connection.settings_dict["NAME"]
    other_process.execute(f"ALTER DATABASE \"{name}\" SET timezone TO 'Asia/Tokyo'")
    try:
        counters.set("v", 1, timeout=None)
        watching(counters)
        wait_until(lambda: reads_from_copy(counters, "v", 1))
    finally:
        other_process.execute(f'ALTER DATABASE "{name}" RESET timezone')


def test_reads_in_a_transaction_go_to_the_table(counters, other_process):
    counters.set("v", 1, timeout=None)
    watching(counters)
    wait_until(lambda: reads_from_copy(counters, "v", 1))
    with transaction.atomic():
        with CaptureQueriesContext(connection) as captured:
            assert counters.get("v") == 1
        assert len(captured.captured_queries) == 1


def test_new_keys_deletes_and_clears_reach_the_copy(counters, other_process):
    watching(counters)
    counters.add("new", 3, timeout=None)
    assert counters.get("new") == 3
    wait_until(lambda: reads_from_copy(counters, "new", 3))
    counters.delete("new")
    assert counters.get("new") is None
    counters.set("a", 1, timeout=None)
    counters.set("b", 2, timeout=None)
    wait_until(lambda: reads_from_copy(counters, "b", 2))
    # Another process clears the table: the copy reads it again and forgets both keys.
    with other_process.transaction():
        other_process.execute(f'DELETE FROM "{TABLE}"')  # noqa: S608
        other_process.execute(
            version_watch.RELOAD_SQL, [version_watch.CHANNEL, version_watch.statement_id()]
        )
    made = counters.make_and_validate_key
    wait_until(lambda: made("a") not in watching(counters).values)
    assert counters.get("a") is None
    assert counters.get("b") is None


def test_a_lost_connection_falls_back_to_the_table_then_recovers(
    counters, other_process, monkeypatch
):
    counters.set("v", 1, timeout=None)
    watcher = watching(counters)
    wait_until(lambda: reads_from_copy(counters, "v", 1))
    # The listener loses its connection and can't get another for now.
    connect = version_watch._connect
    down = threading.Event()
    down.set()

    def failing(alias):
        if down.is_set():
            raise psycopg.OperationalError("the server is away")
        return connect(alias)

    monkeypatch.setattr(version_watch, "_connect", failing)
    other_process.execute("SELECT pg_terminate_backend(%s)", [watcher.backend_pid])
    wait_until(lambda: watcher.confirmed == 0.0)
    other_set(other_process, counters, {"v": 2})  # heard by nobody
    with CaptureQueriesContext(connection) as captured:
        assert counters.get("v") == 2
    assert len(captured.captured_queries) == 1
    # Back again: the new listener starts from a fresh read of the table.
    down.clear()
    wait_until(lambda: reads_from_copy(counters, "v", 2))
    other_set(other_process, counters, {"v": 3})
    wait_until(lambda: reads_from_copy(counters, "v", 3), timeout=2)


def test_a_copy_not_confirmed_lately_is_not_used(counters, monkeypatch):
    counters.set("v", 1, timeout=None)
    watching(counters)
    wait_until(lambda: reads_from_copy(counters, "v", 1))
    monkeypatch.setattr(version_watch, "STALE_AFTER", -1.0)
    with CaptureQueriesContext(connection) as captured:
        assert counters.get("v") == 1
    assert len(captured.captured_queries) == 1


def test_a_notification_not_of_this_sites_making_makes_it_read_the_table(counters, other_process):
    counters.set("v", 1, timeout=None)
    watcher = watching(counters)
    wait_until(lambda: reads_from_copy(counters, "v", 1))
    listener, heard = watcher.backend_pid, len(watcher.heard)
    other_process.execute("SELECT pg_notify(%s, '1 x')", [version_watch.CHANNEL])
    other_set(other_process, counters, {"v": 2})  # after it, on the same connection
    wait_until(lambda: reads_from_copy(counters, "v", 2), timeout=2)
    # Read past, on the same connection: nothing broke it.
    assert watcher.backend_pid == listener and len(watcher.heard) > heard


def test_a_cached_page_costs_no_query_and_a_new_review_shows_at_once(
    counters, client, make_user, film
):
    """End to end on PostgreSQL: once the copy is current, an anonymous cached film page
    runs no query at all; a review posted by a member shows on the very next visit."""
    url = f"/films/{film.slug}/"
    client.get(url)
    wait_until(lambda: reads_from_copy(counters, VERSION_KEY, content_version()))
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert captured.captured_queries == []

    member = make_user()
    writer = type(client)()
    writer.force_login(member)
    response = writer.post(
        f"{url}review/",
        {"rating": "8", "headline": "Heard at once", "body": "A review in plain words."},
    )
    assert response.status_code == 302
    assert "Heard at once" in client.get(url).content.decode()
