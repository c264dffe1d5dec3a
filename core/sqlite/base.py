"""Django's SQLite backend, with a queue for writers in place of SQLite's busy polling.

Every transaction here begins IMMEDIATE: it takes SQLite's single write lock at BEGIN. A
writer that finds the lock taken waits in SQLite's busy handler, which sleeps 1, 2, 5, 10,
... up to 100 ms between attempts and wakes no sooner when the lock is freed. Under many
concurrent writers most of the time goes to those sleeps: the database is idle while every
writer naps, and the unlucky ones wait the longest (a long tail of slow requests).

So before BEGIN, a transaction takes an exclusive lock on a file beside the database: the
threads of one process queue on an in-process lock, and one thread per process at a time
asks for the file lock. Waiters wake as soon as the writer before them finishes. The wait
is bounded by the database's `timeout` option, like SQLite's own, and ends in the same
"database is locked" error. The kernel releases a file lock when its process dies, so a
killed worker can't leave the queue stuck.

Writers that don't use this backend (the sqlite3 shell, another program) still meet SQLite's
own lock and wait for it as before, so the file lock never affects correctness, only
how fast writers take turns.
"""

import fcntl
import os
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

# Between attempts at a file lock another process holds: short, as the lock is typically
# held for a millisecond or two.
FIRST_RETRY = 0.0002
LONGEST_RETRY = 0.002


class WriterQueue:
    """One process's place in the queue of writers to one database file."""

    def __init__(self, path):
        self.path = path
        self.threads = threading.Lock()
        self.fd = None

    def acquire(self, timeout):
        deadline = time.monotonic() + timeout
        if not self.threads.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        try:
            if self.fd is None:
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            delay = FIRST_RETRY
            while True:
                try:
                    fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OperationalError("database is locked") from None
                time.sleep(delay)
                delay = min(delay * 2, LONGEST_RETRY)
        except BaseException:
            self.threads.release()
            raise

    def release(self):
        try:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        finally:
            self.threads.release()


_queues = {}
_queues_lock = threading.Lock()


def writer_queue(database_path):
    path = f"{os.fspath(database_path)}-writers.lock"
    with _queues_lock:
        queue = _queues.get(path)
        if queue is None:
            queue = _queues[path] = WriterQueue(path)
        return queue


def _forget_queues():
    # A forked child starts outside every queue: it must not share its parent's open file
    # (a file lock belongs to the open file, so both would hold it at once) or its locks.
    global _queues, _queues_lock
    _queues = {}
    _queues_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_queues)


class DatabaseWrapper(base.DatabaseWrapper):
    queued = None  # the WriterQueue this connection's open transaction holds

    def _start_transaction_under_autocommit(self):
        if self.is_in_memory_db():
            return super()._start_transaction_under_autocommit()
        queue = writer_queue(self.settings_dict["NAME"])
        queue.acquire(timeout=self.settings_dict["OPTIONS"].get("timeout", 5))
        self.queued = queue
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._leave_queue()
            raise

    def _leave_queue(self):
        queue, self.queued = self.queued, None
        if queue is not None:
            queue.release()

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._leave_queue()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._leave_queue()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._leave_queue()
