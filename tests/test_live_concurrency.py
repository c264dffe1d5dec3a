"""Fifty members writing at once against a live gunicorn (issue 6, faults).

The server runs as config/gunicorn.py configures it, on a database of its own (SQLite, or
PostgreSQL in the PostgreSQL run). Every member posts reviews (new and edited), replies
and likes on their own keep-alive connection, and some of those posts are double submits
fired at the same instant. Afterwards the database holds exactly what was acknowledged:
every review version, reply and like once, nothing twice, and every stored counter and
average equal to a recount.
"""

import collections

import pytest

from .live import LiveSite, Plan, run_writers, write_problems

MEMBERS = 50
WRITES_EACH = 8


@pytest.fixture
def site(tmp_path):
    site = LiveSite(tmp_path)
    yield site
    site.close()


def test_fifty_members_writing_at_once_lose_and_duplicate_nothing(site):
    data = site.task("populate", films=5, members=MEMBERS, authors=10)
    site.start()
    plan = Plan(
        members=data["members"],
        films=data["films"],
        reviews=data["reviews"],
        ops=WRITES_EACH,
        seed=6,
    )
    log = run_writers(site.port, plan)

    unanswered = [(w.kind, w.target, w.status) for w in log if not w.acknowledged]
    assert unanswered == [], f"writes not acknowledged: {unanswered}"
    kinds = collections.Counter(w.kind for w in log)
    doubles = sum(1 for w in log if w.double) // 2
    assert kinds["review"] > 50 and kinds["reply"] > 50 and kinds["like"] > 50, kinds
    assert doubles > 20, doubles

    audit = site.task("audit")
    assert write_problems(log, audit) == []
    assert audit["counts"]["revisions"] > 0, "no review was ever edited"

    server_log = site.log_text()
    assert "Traceback" not in server_log, server_log[-3000:]
    assert "database is locked" not in server_log
    print(
        f"\n{site.vendor}: {len(log)} writes ({dict(kinds)}, {doubles} double submits) by "
        f"{MEMBERS} members in {plan.seconds:.1f} s; stored {audit['counts']}"
    )
