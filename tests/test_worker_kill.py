"""A gunicorn worker killed (SIGKILL) in the middle of a write load (issue 6, faults).

Members keep posting reviews, replies and likes while the test kills two busy workers, one
after the other. The master must start new workers, the site must keep answering, and the
database must hold every acknowledged write exactly once, with stats equal to a recount
and no orphan revision: a write cut off by the kill either committed whole or left no trace.
"""

import os
import signal
import threading
import time

import pytest

from .live import Browser, LiveSite, Plan, run_writers, write_problems

WORKERS = 3
LOAD_SECONDS = 9
KILL_AT = (2.5, 5.5)  # seconds into the load


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path, workers=WORKERS, threads=2)
    yield site
    site.close()


def busiest(pids):
    """The worker holding the most sockets: the one most members are connected to, so
    killing it cuts requests off mid-way."""

    def sockets(pid):
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except OSError:
            return -1
        n = 0
        for fd in fds:
            try:
                n += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
            except OSError:
                pass
        return n

    return max(sorted(pids), key=sockets)


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_killed_workers_are_replaced_and_lose_no_acknowledged_write(site):
    data = site.task("populate", films=5, members=20, authors=10)
    site.start()
    first_workers = site.worker_pids()
    assert len(first_workers) == WORKERS

    plan = Plan(
        members=data["members"],
        films=data["films"],
        reviews=data["reviews"],
        ops=1000,
        deadline=time.monotonic() + LOAD_SECONDS,
        seed=3,
    )
    load = threading.Thread(target=run_writers, args=(site.port, plan))
    health = []  # (seconds into the load, status)
    stop = threading.Event()
    began = time.monotonic()

    def probe():
        while not stop.is_set():
            answer = Browser(site.port, timeout=10).get("/healthz")
            health.append((time.monotonic() - began, answer.status))
            time.sleep(0.25)

    prober = threading.Thread(target=probe, daemon=True)
    load.start()
    prober.start()
    killed = []
    for at in KILL_AT:
        time.sleep(max(0.0, began + at - time.monotonic()))
        victim = busiest(site.worker_pids())
        os.kill(victim, signal.SIGKILL)
        killed.append((time.monotonic() - began, victim))
    load.join(timeout=180)
    assert not load.is_alive()
    assert wait_for(lambda: len(site.worker_pids()) == WORKERS, timeout=30), (
        "the master did not bring the workers back"
    )
    stop.set()
    prober.join(timeout=15)

    # The master replaced each killed worker and is itself the same process.
    workers = site.worker_pids()
    assert not workers & {pid for _, pid in killed}
    assert site._site.servers[-1].poll() is None
    server_log = site.log_text()
    for _, pid in killed:
        assert f"Worker (pid:{pid}) was sent SIGKILL" in server_log

    # The site kept answering: health checks succeeded after each kill, and writes went on
    # being acknowledged after the last one.
    for at, _pid in killed:
        assert any(t > at and status == 200 for t, status in health), health
    last_kill = began + killed[-1][0]
    assert health[-1][1] == 200
    acked = [w for w in plan.log if w.acknowledged]
    after_last_kill = sum(1 for w in acked if w.done > last_kill + 1)
    assert after_last_kill > 0
    assert Browser(site.port).get("/").status == 200

    # Nothing acknowledged is missing, nothing is half-written.
    site.stop()
    audit = site.task("audit")
    assert write_problems(plan.log, audit) == []
    unanswered = len(plan.log) - len(acked)
    assert not [w for w in plan.log if w.status is not None and not w.acknowledged], [
        (w.kind, w.status) for w in plan.log if w.status is not None and not w.acknowledged
    ]
    print(
        f"\n{site.vendor}: {len(plan.log)} writes in {plan.seconds:.1f} s, {len(acked)} "
        f"acknowledged ({after_last_kill} after the last kill), {unanswered} cut off by "
        f"the kills at {', '.join(f'{t:.1f}' for t, _ in killed)} s; health checks failed: "
        f"{sum(1 for _, s in health if s != 200)} of {len(health)}; stored {audit['counts']}"
    )
