"""A live Marquee for the fault tests: gunicorn as config/gunicorn.py runs it, on 127.0.0.1
and a free port, against a throwaway database of its own.

The server is started and stopped by bench/load.py's `Site`, the same way the benchmarks
start it. The database is a copy of a migrated template built once per test session (a file
copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL, named after the DATABASE_URL the
tests run under), so each site starts in well under a second after the first.

Setting data up and reading it back happen in a separate process (`python -m tests.live
TASK JSON`) bound to the live site's database: the test process itself is bound to the
pytest database. `Browser` is a member's keep-alive HTTP connection (http.client), and
`run_writers` drives many of them at once, logging every write and its answer so that
`write_problems` can hold the database to exactly what was acknowledged.
"""

import atexit
import http.client
import itertools
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CSRF = "f" * 32  # a fixed CSRF secret, sent as the cookie and as the form field
GENEROUS = "1000000"  # rate limits far above anything the load tests send

_sites = itertools.count(1)
_templates = {}
_template_lock = threading.Lock()


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def vendor():
    return "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"


def _with_database(url, name, port=None):
    """`url` (a DATABASE_URL) naming database `name`, reached on 127.0.0.1:`port` if given."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if port is not None:
        userinfo = netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{HOST}:{port}" if userinfo else f"{HOST}:{port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, "/" + name, parts.query, ""))


def database_server():
    """(host, port) of the PostgreSQL server the tests run against."""
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return parts.hostname or HOST, parts.port or 5432


def _pg_admin(sql):
    import psycopg

    url = _with_database(os.environ["DATABASE_URL"], "postgres")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


def _base_env():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "MARQUEE_", "GUNICORN_"))
        and k != "WEB_CONCURRENCY"
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="live-test-only-" + "k" * 40,
        DJANGO_HTTPS="false",
        DJANGO_ALLOWED_HOSTS=f"{HOST},localhost",
        MARQUEE_RATE_LIMIT_REVIEWS=GENEROUS,
        MARQUEE_RATE_LIMIT_REPLIES=GENEROUS,
        MARQUEE_RATE_LIMIT_LIKES=GENEROUS,
        MARQUEE_RATE_LIMIT_REPORTS=GENEROUS,
        PYTHONUNBUFFERED="1",
    )
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    return env


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass
class _Template:
    dir: Path
    database: str  # a file (SQLite) or a database name (PostgreSQL)


def _template():
    """The migrated database and collected static files every live site starts from."""
    kind = vendor()
    with _template_lock:
        if kind in _templates:
            return _templates[kind]
        tmp = Path(tempfile.mkdtemp(prefix="marquee-live-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        env = {**_base_env(), "MARQUEE_VAR_DIR": str(tmp)}
        if kind == "postgresql":
            base = urllib.parse.urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
            name = f"{base}_live_tpl_{os.getpid()}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{name}"')
            atexit.register(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            env["DATABASE_URL"] = _with_database(os.environ["DATABASE_URL"], name)
            database = name
        else:
            database = str(tmp / "db.sqlite3")
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "collectstatic", "--noinput", "-v0")
        _templates[kind] = _Template(tmp, database)
        return _templates[kind]


class LiveSite:
    """A throwaway Marquee served by gunicorn. `database_port` sends the server's database
    traffic to another port (a proxy in front of PostgreSQL); tasks connect directly."""

    def __init__(self, root, *, workers=None, threads=None, env=None, database_port=None):
        from bench.load import Site  # the benchmarks' gunicorn start and stop

        self.vendor = vendor()
        template = _template()
        self.var_dir = Path(root) / "var"
        (self.var_dir / "media").mkdir(parents=True)
        (self.var_dir / "static").symlink_to(template.dir / "static")
        self.env = {**_base_env(), "MARQUEE_VAR_DIR": str(self.var_dir)}
        if self.vendor == "postgresql":
            base = urllib.parse.urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/")
            self.db_name = f"{base}_live_{os.getpid()}_{next(_sites)}"
            _pg_admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{self.db_name}" TEMPLATE "{template.database}"')
            self.env["DATABASE_URL"] = _with_database(os.environ["DATABASE_URL"], self.db_name)
        else:
            self.db_name = None
            shutil.copyfile(template.database, self.var_dir / "db.sqlite3")
        self.task_env = dict(self.env)
        # Workers and threads as config/gunicorn.py picks them, unless a test sets them. The
        # application's own log (stderr) goes to the server log too.
        self.server_env = {**self.env, "GUNICORN_CMD_ARGS": "--capture-output", **(env or {})}
        if workers is not None:
            self.server_env["WEB_CONCURRENCY"] = str(workers)
        if threads is not None:
            self.server_env["GUNICORN_THREADS"] = str(threads)
        if database_port is not None:
            self.server_env["DATABASE_URL"] = _with_database(
                self.env["DATABASE_URL"], self.db_name, port=database_port
            )
        self.log = self.var_dir / "gunicorn.log"
        self._site = Site("sqlite", self.var_dir)
        self._site.env = self.server_env
        self.port = None

    @property
    def database_file(self):
        return self.var_dir / "db.sqlite3"

    def start(self):
        self.port = self._site.start(free_port(), page_cache=True, log=self.log)
        return self

    @property
    def master_pid(self):
        return self._site.servers[-1].pid

    def worker_pids(self):
        """The gunicorn workers the master has now."""
        pids = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.master_pid:
                pids.add(int(entry.name))
        return pids

    def stop(self):
        """Stop gunicorn as bench/load.py does (SIGTERM), but kill it if that takes more
        than a few seconds: a test that failed half-way must not hang on it."""
        for proc in self._site.servers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self._site.servers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self._site.servers = []

    def close(self):
        """Stop the server (if running) and drop the site's database."""
        try:
            if self._site.servers:
                self.stop()
        finally:
            if self.db_name:
                _pg_admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def task(self, name, **kwargs):
        """Run one of TASKS below against this site's database; returns its JSON answer."""
        return run_task(self.task_env, name, **kwargs)

    def browser(self, session=None):
        return Browser(self.port, session)


def run_task(env, name, **kwargs):
    """Run one of TASKS below in a process with environment `env`; its JSON answer."""
    out = subprocess.run(
        [sys.executable, "-m", "tests.live", name, json.dumps(kwargs)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode:
        raise RuntimeError(f"task {name} failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def sqlite_env(var_dir):
    """The environment of a site on SQLite in `var_dir`, whatever the tests run on."""
    env = _base_env()
    env.pop("REDIS_URL", None)
    return {**env, "MARQUEE_VAR_DIR": str(var_dir)}


class Browser:
    """One keep-alive connection to the live site, as a member (session key) or a visitor.

    A request that gets no answer (the connection was reset, the worker died) returns
    status None; the next request opens a new connection. A connection idle for a while is
    not reused: gunicorn closes idle ones after `keepalive` seconds, and a request sent as
    it does so would be lost on the way in.
    """

    REUSE_WITHIN = 1.0  # seconds; config/gunicorn.py keeps idle connections for 5

    def __init__(self, port, session=None, timeout=30):
        self.port = port
        self.session = session
        self.timeout = timeout
        self.conn = None
        self.last_used = 0.0

    def request(self, method, path, fields=None, headers=None):
        cookies = [f"csrftoken={CSRF}"]
        if self.session:
            cookies.append(f"sessionid={self.session}")
        head = {"Cookie": "; ".join(cookies), "Host": f"{HOST}:{self.port}", **(headers or {})}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": CSRF, **fields})
            head["Content-Type"] = "application/x-www-form-urlencoded"
        if self.conn is not None and time.monotonic() - self.last_used > self.REUSE_WITHIN:
            self.close()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            self.conn.request(method, path, body=body, headers=head)
            response = self.conn.getresponse()
            content = response.read()
            self.last_used = time.monotonic()
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return Answer(response.status, dict(response.getheaders()), content)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return Answer(None, {}, b"", error=exc)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, **kw):
        return self.request("POST", path, fields, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


@dataclass
class Answer:
    status: int | None
    headers: dict
    content: bytes
    error: Exception | None = None

    @property
    def text(self):
        return self.content.decode(errors="replace")

    def header(self, name):
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


# --- Many members writing at once ---------------------------------------------------------


@dataclass
class Write:
    """One POST and its answer. `payload` is what the member asked for: (rating, headline,
    body) for a review, the body of a reply, True/False for a like."""

    member: int
    seq: int
    kind: str
    target: int
    payload: object
    status: int | None = None
    double: bool = False
    done: float = 0.0  # time.monotonic() when the answer came

    @property
    def acknowledged(self):
        return self.status is not None and (200 <= self.status < 300 or self.status == 302)


@dataclass
class Plan:
    members: list  # [user id, username, session key]
    films: list  # [film id, slug]
    reviews: list  # [review id, author id, film id]: what members reply to and like
    ops: int = 8
    double_every: int = 4  # every n-th write (at random) is a double submit
    deadline: float | None = None  # monotonic time after which members stop
    seed: int = 0
    seconds: float = 0.0
    log: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _member_writes(port, plan, member, start):
    user_id, username, session = member
    rng = random.Random(f"{plan.seed}:{user_id}")
    browser, twin = Browser(port, session), Browser(port, session)
    start.wait(timeout=60)
    for seq in range(plan.ops):
        if plan.deadline is not None and time.monotonic() > plan.deadline:
            break
        roll = rng.random()
        if roll < 0.4:
            film_id, slug = rng.choice(plan.films)
            rating = rng.randint(1, 10)
            if rng.random() < 0.15:
                payload = (rating, "", "")  # a rating without words
            else:
                payload = (rating, f"Take {seq}", f"{username} on film {film_id}, take {seq}.")
            write = Write(user_id, seq, "review", film_id, payload)
            path = f"/films/{slug}/review/"
            fields = {"rating": payload[0], "headline": payload[1], "body": payload[2]}
        elif roll < 0.7:
            review_id = rng.choice(plan.reviews)[0]
            payload = f"{username} replies to review {review_id}, note {seq}."
            write = Write(user_id, seq, "reply", review_id, payload)
            path, fields = f"/reviews/{review_id}/", {"body": payload}
        else:
            review_id = rng.choice(plan.reviews)[0]
            liked = rng.random() < 0.7
            write = Write(user_id, seq, "like", review_id, liked)
            path = f"/reviews/{review_id}/like/"
            fields = {"action": "like" if liked else "unlike"}
        writes = [write]
        if rng.randrange(plan.double_every) == 0:
            # A double-clicked submit: the same POST twice, at the same moment.
            write.double = True
            second = Write(**{**write.__dict__})
            writes.append(second)
            barrier = threading.Barrier(2)

            def again(second=second, path=path, fields=fields, barrier=barrier):
                barrier.wait(timeout=10)
                second.status = twin.post(path, fields).status
                second.done = time.monotonic()

            helper = threading.Thread(target=again)
            helper.start()
            barrier.wait(timeout=10)
            write.status = browser.post(path, fields).status
            write.done = time.monotonic()
            helper.join(timeout=120)
        else:
            write.status = browser.post(path, fields).status
            write.done = time.monotonic()
        with plan.lock:
            plan.log.extend(writes)
    browser.close()
    twin.close()


def run_writers(port, plan):
    """Every member writes at once, each on their own connections; returns the log."""
    start = threading.Barrier(len(plan.members) + 1)
    threads = [
        threading.Thread(target=_member_writes, args=(port, plan, member, start), daemon=True)
        for member in plan.members
    ]
    for thread in threads:
        thread.start()
    start.wait(timeout=60)
    began = time.monotonic()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a writer never finished"
    plan.seconds = time.monotonic() - began
    return plan.log


def _committed_subset_matches(versions, acked, stored):
    """Is `stored` what committing `acked` and any of the other `versions` (in order) gives?

    Resubmitting the current version changes nothing, so runs of equal versions collapse.
    """
    optional = [i for i in range(len(versions)) if i not in acked]
    if len(optional) > 12:
        optional_sets = [optional]  # too many to try: only "all of them", the common case
    else:
        optional_sets = (
            [i for i, keep in zip(optional, mask, strict=True) if keep]
            for mask in itertools.product((True, False), repeat=len(optional))
        )
    for chosen in optional_sets:
        indices = sorted(set(acked) | set(chosen))
        chain = []
        for i in indices:
            if not chain or chain[-1] != versions[i]:
                chain.append(versions[i])
        if chain == stored:
            return True
    return False


def write_problems(log, audit, *, initial_likes=()):
    """Everything in the database that disagrees with the log of writes: a lost or
    duplicated write, a version nobody sent, an orphan revision, a counter or average
    that differs from a recount. Writes without an answer may or may not have happened,
    but wholly: each either committed or left no trace.
    """
    problems = [f"film stats differ from a recount: {m}" for m in audit["film_mismatches"]]
    problems += [f"like count differs from a recount: {m}" for m in audit["like_mismatches"]]
    if audit["integrity"] != "ok":
        problems.append(f"integrity check: {audit['integrity']}")
    log = sorted(log, key=lambda w: (w.member, w.seq, not w.acknowledged))

    # Reviews: the stored review and its revisions are the versions the member committed.
    stored = {
        (r["author"], r["film"]): [tuple(v) for v in r["revisions"]] + [tuple(r["current"])]
        for r in audit["reviews"]
    }
    sent = {}
    for w in log:
        if w.kind == "review":
            versions, acked = sent.setdefault((w.member, w.target), ([], set()))
            if w.double and versions and versions[-1][1] == w.seq:
                index = len(versions) - 1
            else:
                versions.append((tuple(w.payload), w.seq))
                index = len(versions) - 1
            if w.acknowledged:
                acked.add(index)
    for key, (versions, acked) in sent.items():
        chain = stored.pop(key, [])
        if not _committed_subset_matches([v for v, _ in versions], acked, chain):
            problems.append(
                f"review by member {key[0]} of film {key[1]}: stored versions {chain}, "
                f"sent {[v for v, _ in versions]}, acknowledged {sorted(acked)}"
            )
    members = {w.member for w in log}
    for key in stored:
        if key[0] in members:
            problems.append(f"a review nobody sent: member {key[0]}, film {key[1]}")

    # Replies: each acknowledged reply stored exactly once, none stored that wasn't sent.
    stored_replies = {}
    for review, author, body in audit["replies"]:
        stored_replies[(author, review, body)] = stored_replies.get((author, review, body), 0) + 1
    sent_replies = {}
    for w in log:
        if w.kind == "reply":
            key = (w.member, w.target, w.payload)
            sent_replies[key] = sent_replies.get(key, False) or w.acknowledged
    for key, acked in sent_replies.items():
        n = stored_replies.pop(key, 0)
        if n > 1 or (acked and n != 1):
            problems.append(f"reply {key}: stored {n} times, acknowledged={acked}")
    for key, n in stored_replies.items():
        if key[0] in members:
            problems.append(f"a reply nobody sent: {key} x{n}")

    # Likes: the stored state is the last acknowledged wish, or a later unanswered one.
    liked = {tuple(pair) for pair in audit["likes"]}
    wishes = {}
    for w in log:
        if w.kind == "like":
            wishes.setdefault((w.member, w.target), []).append(w)
    for (member, review), ws in wishes.items():
        last_acked = max((i for i, w in enumerate(ws) if w.acknowledged), default=None)
        allowed = {w.payload for w in ws[(last_acked or 0) :]}
        if last_acked is None:
            allowed.add((member, review) in set(initial_likes))
        if ((member, review) in liked) not in allowed:
            problems.append(
                f"like by {member} of review {review}: stored {(member, review) in liked}, "
                f"wished {[(w.payload, w.status) for w in ws]}"
            )
    return problems


# --- Tasks run inside the live site's database (python -m tests.live TASK JSON) ----------


def task_populate(films=5, members=50, authors=10):
    """Films, members with a signed-in session each, and reviews by other authors."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from accounts.models import User
    from films.models import Film
    from reviews.models import Review

    store = import_module(settings.SESSION_ENGINE).SessionStore
    film_rows = [
        Film.objects.create(title=f"Live Film {i}", slug=f"live-film-{i}") for i in range(films)
    ]

    def make_user(name):
        user = User(username=name, email=f"{name}@example.com", display_name=name.title())
        user.set_unusable_password()
        user.save()
        return user

    reviews = []
    for i in range(authors):
        author = make_user(f"author{i}")
        for film in {film_rows[i % films], film_rows[(i + 1) % films]}:
            review, _ = Review.objects.save_for(
                author=author, film=film, rating=1 + i % 10, body=f"Seed review {i}."
            )
            reviews.append([review.pk, author.pk, film.pk])
    member_rows = []
    for i in range(members):
        user = make_user(f"member{i}")
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        member_rows.append([user.pk, user.username, session.session_key])
    return {
        "films": [[f.pk, f.slug] for f in film_rows],
        "members": member_rows,
        "reviews": reviews,
    }


def task_audit():
    """Every review (with its revisions), reply and like, and whatever stored counter
    differs from a recount."""
    from django.db import connection
    from django.db.models import Count

    from films.models import Film
    from reviews.models import Like, Reply, Review, ReviewRevision

    published = Review.objects.published()
    recount = {}
    for film_id, rating, body in published.values_list("film_id", "rating", "body"):
        entry = recount.setdefault(film_id, {"hist": [0] * 10, "written": 0})
        entry["hist"][rating - 1] += 1
        entry["written"] += bool(body)
    film_mismatches = []
    for film in Film.objects.all():
        entry = recount.get(film.pk, {"hist": [0] * 10, "written": 0})
        count = sum(entry["hist"])
        total = sum(r * n for r, n in enumerate(entry["hist"], start=1))
        expected = {
            "rating_count": count,
            "review_count": entry["written"],
            "rating_sum": total,
            "rating_average": round(total / count, 9) if count else None,
            "rating_histogram": entry["hist"],
        }
        actual = {
            "rating_count": film.rating_count,
            "review_count": film.review_count,
            "rating_sum": film.rating_sum,
            "rating_average": (
                round(film.rating_average, 9) if film.rating_average is not None else None
            ),
            "rating_histogram": list(film.rating_histogram or [0] * 10),
        }
        if expected != actual:
            film_mismatches.append({"film": film.pk, "stored": actual, "recount": expected})
    like_mismatches = [
        [r.pk, r.like_count, r.n]
        for r in Review.objects.annotate(n=Count("likes")).order_by()
        if r.like_count != r.n
    ]
    revisions = {}
    for rev in ReviewRevision.objects.order_by("pk"):
        revisions.setdefault(rev.review_id, []).append([rev.rating, rev.headline, rev.body])
    reviews = [
        {
            "id": r.pk,
            "author": r.author_id,
            "film": r.film_id,
            "current": [r.rating, r.headline, r.body],
            "revisions": revisions.get(r.pk, []),
        }
        for r in Review.objects.order_by("pk")
    ]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            integrity = "; ".join(row[0] for row in cursor.fetchall())
    else:
        integrity = "ok"
    return {
        "film_mismatches": film_mismatches,
        "like_mismatches": like_mismatches,
        "reviews": reviews,
        "replies": list(Reply.objects.values_list("review_id", "author_id", "body")),
        "likes": list(Like.objects.values_list("user_id", "review_id")),
        "integrity": integrity,
        "counts": {
            "reviews": Review.objects.count(),
            "revisions": ReviewRevision.objects.count(),
            "replies": Reply.objects.count(),
            "likes": Like.objects.count(),
        },
    }


TASKS = {"populate": task_populate, "audit": task_audit}


# --- A TCP proxy whose cable can be pulled ----------------------------------------------


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server. `cut()` closes the port and drops every open
    connection, as a network failure would; `restore()` listens on the same port again."""

    def __init__(self, target):
        self.target = target
        self.port = free_port()
        self._conns = set()
        self._lock = threading.Lock()
        self._listener = None
        self.restore()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._conns.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                self._drop(s)

    def _drop(self, sock):
        with self._lock:
            self._conns.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def cut(self):
        # shutdown() first: close() alone leaves a thread blocked in accept() listening.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            conns = list(self._conns)
        for sock in conns:
            self._drop(sock)

    def close(self):
        self.cut()


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    print(json.dumps(TASKS[sys.argv[1]](**json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}"))))
