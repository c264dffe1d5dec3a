"""Each web process's copy of the counters (the content and catalog versions) on
PostgreSQL, kept current by LISTEN/NOTIFY, so that a cached anonymous page costs no
database round trip at all.

Every change to the counters table (core.counter_cache) sends a notification on CHANNEL in
the transaction that makes it: the new value of the key, or "reload" for anything else (a
new key, a delete, a clear). PostgreSQL delivers notifications only when their transaction
commits, in commit order, so a process that applies them in the order heard holds exactly
what the table holds, a notification's delivery later. A thread per process listens on a
connection of its own:

- It starts from one snapshot of the table, read in a single statement with the
  transaction snapshot it was read under. A notification from a transaction that snapshot
  already saw is skipped, so none is applied twice or out of order.
- The copy is trusted only while the listening connection is known to work: the thread
  re-reads the table every HEARTBEAT seconds and a copy not confirmed for STALE_AFTER
  seconds isn't used. A dead connection makes the copy untrusted at once, and the thread
  connects again with growing pauses. Until then readers read the table, as they would
  without this copy.
- This process's own changes are read from the table until the thread has heard them back,
  so this process never serves a page older than its own last write. Another process serves
  the previous version for as long as the notification takes to arrive (well under a
  millisecond on one machine; see docs/PERFORMANCE.md), as it would have with a read that
  started just before the commit.

Reads inside a transaction never use the copy: they must see the transaction's own
uncommitted changes (core.cache.bump_after_commit relies on that).
"""

import base64
import collections
import logging
import os
import pickle
import threading
import time
from datetime import datetime

from django.db import connections

log = logging.getLogger(__name__)

CHANNEL = "marquee_counters"
HEARTBEAT = 2.0
STALE_AFTER = 5.0
# How long this process waits to hear back its own change before giving up on it: a change
# rolled back is never heard of. Meanwhile its readers read the table.
OWN_CHANGE_WAIT = 2.0
MISSING = object()
# Counters stored with no timeout expire at datetime.max: only those are copied. A key with
# an expiry (none today) is always read from the table.
FOREVER = datetime(9999, 1, 1)


def notify_sql(quote, table):
    """The statement that sets an existing key and notifies the listeners, in one: its
    parameters are the stored value, the stored expiry, the key, then CHANNEL, the key and
    the stored value again. It returns the transaction's id, or no row for a new key."""
    return (
        f"WITH updated AS (UPDATE {quote(table)} SET {quote('value')} = %s, "  # noqa: S608
        f"{quote('expires')} = %s WHERE {quote('cache_key')} = %s RETURNING 1) "
        "SELECT pg_current_xact_id()::text, "
        "pg_notify(%s, pg_current_xact_id()::text || ' ' || %s || ' ' || %s) FROM updated"
    )


RELOAD_SQL = (
    "SELECT pg_current_xact_id()::text, pg_notify(%s, pg_current_xact_id()::text || ' reload')"
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
        self.values = {}
        self.confirmed = 0.0  # monotonic time the copy was last known to be current
        self.reload_pending = False
        self.snapshot = None
        self.awaiting = {}  # txid -> give-up time, for this process's own changes
        self.heard = collections.deque(maxlen=512)
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.backend_pid = None
        self.thread = threading.Thread(target=self._run, name="counter-watch", daemon=True)
        self.thread.start()

    # --- readers (request threads) --------------------------------------------------

    def get(self, key):
        """The key's value, or MISSING when the copy can't answer for it right now."""
        if self.awaiting and not self._nothing_awaited():
            return MISSING
        if time.monotonic() - self.confirmed > STALE_AFTER:
            return MISSING
        return self.values.get(key, MISSING)

    def expect(self, txid):
        """This process made change `txid`: read the table until it is heard back."""
        with self.lock:
            if txid not in self.heard and not (self.snapshot and visible_in(self.snapshot, txid)):
                self.awaiting[txid] = time.monotonic() + OWN_CHANGE_WAIT

    def _nothing_awaited(self):
        with self.lock:
            now = time.monotonic()
            for txid, until in list(self.awaiting.items()):
                if until < now:
                    del self.awaiting[txid]
            return not self.awaiting

    # --- the listening thread -----------------------------------------------------------

    def _run(self):
        import psycopg

        pause = 0.1
        while not self.stopping.is_set():
            try:
                params = connections[self.alias].get_connection_params()
                for unused in ("cursor_factory", "context", "prepare_threshold"):
                    params.pop(unused, None)
                with psycopg.connect(**params, autocommit=True) as conn:
                    self.backend_pid = conn.info.backend_pid
                    conn.execute(f'LISTEN "{CHANNEL}"')
                    snapshot = self._reload(conn)
                    pause = 0.1
                    while not self.stopping.is_set():
                        # One packet's notifications at a time (stop_after=1 still yields
                        # the whole packet), and no query while the generator runs: it
                        # holds the connection. Each one heard confirms the line; after
                        # HEARTBEAT seconds without one, a read of the table does.
                        reloads = []
                        for note in conn.notifies(timeout=HEARTBEAT, stop_after=1):
                            self._apply(note.payload, snapshot, reloads)
                        if reloads or time.monotonic() - self.confirmed > HEARTBEAT:
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
        rows = conn.execute(
            f'SELECT s.snap, c."cache_key", c."value", c."expires" '  # noqa: S608
            f"FROM (SELECT pg_current_snapshot()::text AS snap) s "
            f'LEFT JOIN "{self.table}" c ON true'
        ).fetchall()
        values = {}
        for _snap, key, stored, expires in rows:
            if key is not None and expires.replace(tzinfo=None) >= FOREVER:
                values[key] = _decode(stored)
        snapshot = rows[0][0]
        with self.lock:
            self.values = values
            self.snapshot = snapshot
            # Changes this process awaits that the read already saw (a listener that
            # started after they committed never hears of them).
            for txid in [t for t in self.awaiting if visible_in(snapshot, t)]:
                del self.awaiting[txid]
            self.reload_pending = False
            self.confirmed = time.monotonic()
        return snapshot

    def _apply(self, payload, snapshot, reloads):
        txid_text, _, rest = payload.partition(" ")
        if not txid_text.isdigit() or not rest:
            log.warning("counter watch: ignored a notification not of this site's making")
            return
        txid = int(txid_text)
        if visible_in(snapshot, txid):
            self._heard([txid])  # the snapshot has it already
        elif rest == "reload":
            # Untrusted until the table has been read again (right after this packet).
            self.reload_pending = True
            self.confirmed = 0.0
            reloads.append(txid)
        else:
            key, _, stored = rest.partition(" ")
            value = _decode(stored)
            with self.lock:
                self.values = {**self.values, key: value}
            self._heard([txid])

    def _heard(self, txids):
        with self.lock:
            for txid in txids:
                self.heard.append(txid)
                self.awaiting.pop(txid, None)
            if not self.reload_pending:
                self.confirmed = time.monotonic()

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=HEARTBEAT + 1)


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
