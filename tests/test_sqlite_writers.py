"""SQLite writers queue for the write lock (core/sqlite) instead of polling for it.

Real threads and processes on the real test database file: a writer waits for the one
before it and goes on when that one finishes, gives up with "database is locked" after the
database's `timeout`, and is never held up by a process that died holding the queue.
"""

import fcntl
import os
import signal
import subprocess
import sys
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from core.sqlite import base as sqlite_base
from films.models import Genre

from .live import vendor

pytestmark = pytest.mark.skipif(vendor() != "sqlite", reason="SQLite's writer queue")

HOLD_THE_QUEUE = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
"""


def queue_file():
    return f"{connection.settings_dict['NAME']}-writers.lock"


@pytest.fixture
def hold_the_queue():
    """Start another process that holds the writer queue until told to let go, or killed."""
    started = []

    def start():
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLD_THE_QUEUE, queue_file()],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        assert proc.stdout.readline().strip() == "held"
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


@pytest.fixture
def short_timeout():
    options = connection.settings_dict["OPTIONS"]
    saved = options.get("timeout")
    options["timeout"] = 0.3
    yield
    options["timeout"] = saved


@pytest.mark.django_db(transaction=True)
def test_a_writer_waits_for_the_one_before_it_and_goes_on_when_it_commits():
    order = []
    first_in = threading.Event()
    let_go = threading.Event()

    def first():
        try:
            with transaction.atomic():
                Genre.objects.create(name="First", slug="first")
                order.append("first in")
                first_in.set()
                let_go.wait(timeout=10)
                order.append("first commits")
        finally:
            connections.close_all()

    def second():
        try:
            first_in.wait(timeout=10)
            with transaction.atomic():
                order.append("second in")
                # It sees what the first one committed: it began after that commit.
                assert Genre.objects.filter(name="First").exists()
                Genre.objects.create(name="Second", slug="second")
        except Exception as exc:  # reported by the assertion below
            order.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_in.wait(timeout=10)
    threads[1].join(timeout=0.5)
    assert threads[1].is_alive(), "the second writer went in while the first held the lock"
    let_go.set()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["first in", "first commits", "second in"]
    assert set(Genre.objects.values_list("name", flat=True)) >= {"First", "Second"}


@pytest.mark.django_db(transaction=True)
def test_a_writer_gives_up_after_the_timeout_and_writes_nothing(hold_the_queue, short_timeout):
    other_process = hold_the_queue()
    with pytest.raises(OperationalError, match="database is locked"):
        with transaction.atomic():
            Genre.objects.create(name="Never", slug="never")
    assert not Genre.objects.filter(name="Never").exists()

    other_process.stdin.write("\n")  # it lets go of the queue
    other_process.stdin.flush()
    other_process.wait(timeout=10)
    with transaction.atomic():  # neither the thread lock nor the file lock was left behind
        Genre.objects.create(name="After", slug="after")
    assert Genre.objects.filter(name="After").exists()


@pytest.mark.django_db(transaction=True)
def test_a_writer_is_not_held_up_by_a_process_that_died_in_the_queue(hold_the_queue):
    other_process = hold_the_queue()
    done = []

    def write():
        try:
            with transaction.atomic():
                Genre.objects.create(name="Survivor", slug="survivor")
            done.append(True)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=0.5)
    assert writer.is_alive() and not done  # queued behind the other process
    other_process.send_signal(signal.SIGKILL)
    writer.join(timeout=10)
    assert done == [True]
    assert Genre.objects.filter(name="Survivor").exists()


@pytest.mark.django_db(transaction=True)
def test_a_page_answers_503_when_the_queue_does_not_move(
    client, login, user, film, hold_the_queue, short_timeout
):
    login(user)
    hold_the_queue()
    answer = client.post(f"/films/{film.slug}/review/", {"rating": "8", "body": "Queued."})
    assert answer.status_code == 503
    assert not film.reviews.exists()


def test_a_forked_process_queues_on_its_own_open_file(tmp_path):
    """A file lock belongs to the open file: a child that kept its parent's would hold the
    lock whenever the parent does, and two writers would go in at once."""
    queue = sqlite_base.writer_queue(tmp_path / "db.sqlite3")
    queue.acquire(timeout=1)
    queue.release()  # the parent's file is open now
    queue.acquire(timeout=1)
    try:
        pid = os.fork()
        if pid == 0:  # the child: it must wait, and give up
            code = 1
            try:
                sqlite_base.writer_queue(tmp_path / "db.sqlite3").acquire(timeout=0.2)
            except OperationalError:
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    finally:
        queue.release()
    assert os.waitstatus_to_exitcode(status) == 0, "the child got in while the parent held it"
    with open(f"{tmp_path / 'db.sqlite3'}-writers.lock") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nothing is left holding it
