"""Each web process's copy of the counters (the content and catalog versions) on
PostgreSQL, kept current by LISTEN/NOTIFY, so that a cached anonymous page costs no
database round trip at all.

Every change to the counters table (core.counter_cache) sends a notification on CHANNEL in
the statement that makes it: the new values of all the keys the statement set (so a reader
never sees some of them without the others), or "reload" for anything else (a new key, a
delete, a clear, a value too large for a notification). Each carries a number of its own,
because PostgreSQL delivers a transaction's identical notifications only once. PostgreSQL
delivers notifications only when their transaction commits, in commit order, so a process
that applies them in the order heard holds exactly what the table holds, a notification's
delivery later. A thread per process listens on a connection of its own:

- It starts from one snapshot of the table, read in a single statement with the
  transaction snapshot it was read under. A notification from a transaction that snapshot
  already saw is skipped, so none is applied twice or out of order.
- The copy is trusted only while the listening connection is known to work: the thread
  re-reads the table every HEARTBEAT seconds and a copy not confirmed for STALE_AFTER
  seconds isn't used. A dead connection makes the copy untrusted at once, and the thread
  connects again with growing pauses. Until then readers read the table, as they would
  without this copy.
- Only values that never expire and can't be changed in place (numbers, strings) are
  copied; a read of any other key goes to the table.
- This process's own changes are read from the table until the thread has heard them back
  or read the table after they ended (a rolled-back change is never heard of), so this
  process never serves a page older than its own last write. Another process serves
  the previous version for as long as the notification takes to arrive (well under a
  millisecond on one machine; see docs/PERFORMANCE.md), as it would have with a read that
  started just before the commit.

Reads inside a transaction never use the copy: they must see the transaction's own
uncommitted changes (core.cache.bump_after_commit relies on that).
"""

import base64
import collections
import itertools
import logging
import os
import pickle
import threading
import time

from django.db import connections

log = logging.getLogger(__name__)

CHANNEL = "marquee_counters"
HEARTBEAT = 2.0
STALE_AFTER = 5.0
MISSING = object()
# Room left for the transaction id and the statement number in PostgreSQL's 8000 bytes.
LONGEST_PAYLOAD = 7000
COPIED_TYPES = (int, float, str)
_statements = itertools.count()


def statement_id():
    """A number no other notification of this process carries: the statement's own."""
    return f"{os.getpid()}.{next(_statements)}"


def notify_sql(quote, table, encoded, *, forever):
    """The statement that sets existing keys and notifies the listeners, in one. Its
    parameters: the keys, their stored values (two arrays), the stored expiry, CHANNEL and
    statement_id(). It returns the transaction's id and the keys it set, or no row when
    none existed. `encoded` (key -> stored value) decides what the notification says: the
    values, "-" for keys that expire (not copied), or "reload" when they won't fit."""
    if not forever:
        pairs = "string_agg(updated.k || ' -', ' ')"
    elif sum(len(k) + len(v) + 2 for k, v in encoded.items()) > LONGEST_PAYLOAD or any(
        " " in k for k in encoded
    ):
        pairs = "'reload'"
    else:
        pairs = "string_agg(updated.k || ' ' || updated.v, ' ')"
    # Quoted names and fixed SQL: every value is a parameter.
    return (
        "WITH new(k, v) AS (SELECT * FROM unnest(%s::text[], %s::text[])), "  # noqa: S608
        f"updated AS (UPDATE {quote(table)} SET {quote('value')} = new.v, "
        f"{quote('expires')} = %s FROM new WHERE {quote(table)}.{quote('cache_key')} = new.k "
        "RETURNING new.k, new.v) "
        "SELECT pg_current_xact_id()::text, array_agg(updated.k), "
        f"pg_notify(%s, pg_current_xact_id()::text || ' ' || %s || ' ' || {pairs}) "
        "FROM updated HAVING count(*) > 0"
    )


RELOAD_SQL = (
    "SELECT pg_current_xact_id()::text, "
    "pg_notify(%s, pg_current_xact_id()::text || ' ' || %s || ' reload')"
)


def visible_in(snapshot, txid):
    """Whether transaction `txid` had finished when `snapshot` ("xmin:xmax:xip,...", as
    pg_current_snapshot() prints it) was taken: PostgreSQL's own visibility rule."""
    xmin, xmax, running = snapshot.split(":")
    if txid < int(xmin):
        return True
    return txid < int(xmax) and str(txid) not in running.split(",")


class Watcher:
    def __init__(self, table, alias):
        self.table = table
        self.alias = alias
        self.pid = os.getpid()
        self.values = {}  # replaced whole, never changed in place: readers take no lock
        self.confirmed = 0.0  # monotonic time the copy was last known to be current
        self.reloaded = 0.0  # monotonic time of the last read of the table
        self.reload_pending = False
        self.snapshot = None
        self.awaiting = set()  # txids of this process's own changes not yet seen here
        self.heard = collections.deque(maxlen=512)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.backend_pid = None
        self.thread = threading.Thread(target=self._run, name="counter-watch", daemon=True)
        self.thread.start()

    # --- readers (request threads) --------------------------------------------------

    def get(self, key):
        """The key's value, or MISSING when the copy can't answer for it right now."""
        if self.awaiting:
            return MISSING
        if time.monotonic() - self.confirmed > STALE_AFTER:
            return MISSING
        return self.values.get(key, MISSING)

    def expect(self, txid):
        """This process made change `txid` (in a transaction not yet committed, or just
        committed): read the table until the copy has it. The listener drops it when it
        hears it, or when a read of the table finds the transaction over, committed or
        rolled back (at least every HEARTBEAT seconds)."""
        with self.lock:
            if txid not in self.heard and not (self.snapshot and visible_in(self.snapshot, txid)):
                self.awaiting.add(txid)

    # --- the listening thread -----------------------------------------------------------

    def _run(self):
        pause = 0.1
        while not self.stopping.is_set():
            try:
                with _connect(self.alias) as conn:
                    self.backend_pid = conn.info.backend_pid
                    conn.execute(f'LISTEN "{CHANNEL}"')
                    snapshot = self._reload(conn)
                    pause = 0.1
                    while not self.stopping.is_set():
                        # One packet's notifications at a time (stop_after=1 still yields
                        # the whole packet), and no query while the generator runs: it
                        # holds the connection. Each one heard confirms the line, and the
                        # table is read again at least every HEARTBEAT seconds.
                        reloads = []
                        for note in conn.notifies(timeout=HEARTBEAT, stop_after=1):
                            self._apply(note.payload, snapshot, reloads)
                        if reloads or time.monotonic() - self.reloaded > HEARTBEAT:
                            snapshot = self._reload(conn)
                            self._heard(reloads)
            except Exception:
                self.confirmed = 0.0
                if self.stopping.is_set():
                    return
                log.warning("counter watch: connection lost; reading the table meanwhile")
                self.stopping.wait(pause)
                pause = min(pause * 2, 5.0)

    def _reload(self, conn):
        # The expiry is compared in SQL: read into Python in a time zone east of UTC, the
        # year-9999 expiry of a key that never expires is out of range.
        rows = conn.execute(
            f'SELECT s.snap, c."cache_key", c."value", '  # noqa: S608
            f"c.\"expires\" >= timestamptz '9999-01-01 00:00:00+00' "
            f"FROM (SELECT pg_current_snapshot()::text AS snap) s "
            f'LEFT JOIN "{self.table}" c ON true'
        ).fetchall()
        values = {}
        for _snap, key, stored, forever in rows:
            if key is not None and forever:
                value = _decode(stored)
                if type(value) in COPIED_TYPES:
                    values[key] = value
        snapshot = rows[0][0]
        with self.lock:
            self.values = values
            self.snapshot = snapshot
            # This process's changes that the read found over: it saw their outcome.
            self.awaiting = {t for t in self.awaiting if not visible_in(snapshot, t)}
            self.reload_pending = False
            self.reloaded = self.confirmed = time.monotonic()
        return snapshot

    def _apply(self, payload, snapshot, reloads):
        try:
            txid_text, _statement, rest = payload.split(" ", 2)
            txid = int(txid_text)
            if visible_in(snapshot, txid):
                self._heard([txid])  # the snapshot has it already
                return
            if rest == "reload":
                changes = None
            else:
                words = rest.split(" ")
                if len(words) % 2:
                    raise ValueError("odd number of words")
                changes = {}
                for key, stored in zip(words[::2], words[1::2], strict=True):
                    value = MISSING if stored == "-" else _decode(stored)
                    changes[key] = value if type(value) in COPIED_TYPES else MISSING
        except Exception:
            # Not of this site's making, or damaged: the table says what is true.
            log.warning("counter watch: a notification it couldn't read; reading the table")
            txid, changes = None, None
        if changes is None:
            # Untrusted until the table has been read again (right after this packet).
            self.reload_pending = True
            self.confirmed = 0.0
            if txid is not None:
                reloads.append(txid)
            return
        values = {**self.values, **changes}
        for key in [k for k, v in changes.items() if v is MISSING]:
            del values[key]
        with self.lock:
            self.values = values  # every key of the statement at once
        self._heard([txid])

    def _heard(self, txids):
        with self.lock:
            for txid in txids:
                self.heard.append(txid)
                self.awaiting.discard(txid)
            if not self.reload_pending:
                self.confirmed = time.monotonic()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=HEARTBEAT + 1)


def _connect(alias):
    """The listener's own connection, to the database Django's `alias` uses, with TCP
    keepalives so that a connection the network dropped silently is found out."""
    import psycopg

    params = connections[alias].get_connection_params()
    for unused in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(unused, None)
    params.setdefault("keepalives", 1)
    params.setdefault("keepalives_idle", 10)
    params.setdefault("keepalives_interval", 5)
    params.setdefault("keepalives_count", 3)
    params.setdefault("application_name", "marquee counter watch")
    return psycopg.connect(**params, autocommit=True)


def _decode(stored):
    # The counters table, written only by the cache, as DatabaseCache trusts it.
    return pickle.loads(base64.b64decode(stored.encode()))  # noqa: S301


_watchers = {}
_start_lock = threading.Lock()


def watcher(table, alias):
    """This process's watcher of `table`, started on first use (and again in a process
    forked from one that had one: threads don't survive a fork)."""
    found = _watchers.get((table, alias))
    if found is not None and found.pid == os.getpid():
        return found
    with _start_lock:
        found = _watchers.get((table, alias))
        if found is None or found.pid != os.getpid():
            found = _watchers[(table, alias)] = Watcher(table, alias)
        return found


def stop_all():
    """Stop every watcher of this process (tests)."""
    with _start_lock:
        for found in _watchers.values():
            if found.pid == os.getpid():
                found.stop()
        _watchers.clear()
