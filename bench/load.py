#!/usr/bin/env python3
"""Load benchmark: wrk against gunicorn, started as `make run` starts it, on loopback only.

    .venv/bin/python bench/load.py --db sqlite   [--films 100000 --reviews 1000000]
    .venv/bin/python bench/load.py --db postgres [...]
    .venv/bin/python bench/load.py --db sqlite --write-only   # the 16-writer test alone
    .venv/bin/python bench/load.py --db postgres --redis redis://127.0.0.1:6379/9

It builds (once per size) a synthetic data set with `manage.py populate`, starts two
gunicorn servers with config/gunicorn.py (one with the anonymous page cache on, one with
it off), and measures with wrk, each run bounded in time:

- the practical limit: a bare view (/robots.txt) through the same middleware stack;
- the film page with 10,000 reviews: uncached, cached, and 304 (If-None-Match);
- catalog, home and search (varied queries);
- a review POST loop (logged-in members rewriting their review of random films);
- p95 of the film page at about half of its peak rate;
- 16 concurrent writers posting reviews and likes for 60 s, then a recount check and a
  search of the server log for "database is locked".

It prints req/s, p50/p95/p99 and each page's ratio to the bare view of the same server,
measured in the same run. wrk comes from Debian's package (installed if missing).
With --redis the servers use that Redis database (emptied first) as their cache, the
scale-out configuration; without it, the database cache.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
HOST = "127.0.0.1"
CSRF = "b" * 32  # a fixed CSRF secret: cookie and form field (Django accepts the raw secret)

# The search measurement's queries: words of the synthetic titles and reviews, two with
# typos, two with a number.
SEARCHES = (
    "benchmark",
    "blockbuster",
    "light",
    "love 12",
    "ocean",
    "machine",
    "silence",
    "dream 3",
    "shadow",
    "tender",
    "strnge",
    "brillant",
)

REPORT_LUA = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.timeout
  io.write(string.format(
    '\nJSON {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, '
    .. '"non2xx3xx": %d, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, errors))
end
"""


def lua_get(path, headers=None, delay_ms=0):
    lines = [f'wrk.path = "{path}"']
    for key, value in (headers or {}).items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    if delay_ms:
        lines.append(f"delay = function() return {delay_ms} end")
    return "\n".join(lines) + REPORT_LUA


def lua_rotate(paths):
    items = ", ".join(f'"{p}"' for p in paths)
    return (
        f"local paths = {{{items}}}\nlocal i = 0\n"
        "request = function()\n  i = i % #paths + 1\n"
        "  return wrk.format('GET', paths[i])\nend\n" + REPORT_LUA
    )


def lua_writes(sessions, film_slugs, review_ids):
    """POST a review of a random film, or like/unlike a random review, as a random member."""
    s = ", ".join(f'"{k}"' for k in sessions)
    f = ", ".join(f'"{k}"' for k in film_slugs)
    r = ", ".join(str(k) for k in review_ids)
    return (
        f"local sessions = {{{s}}}\nlocal films = {{{f}}}\nlocal reviews = {{{r}}}\n"
        "math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))\n"
        "request = function()\n"
        "  local sid = sessions[math.random(#sessions)]\n"
        "  local headers = {}\n"
        f'  headers["Cookie"] = "sessionid=" .. sid .. "; csrftoken={CSRF}"\n'
        '  headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        "  if math.random() < 0.5 then\n"
        "    local path = '/films/' .. films[math.random(#films)] .. '/review/'\n"
        f"    local body = 'csrfmiddlewaretoken={CSRF}&rating=' .. math.random(10) .. "
        "'&headline=Bench&body=Written+under+load+' .. math.random(1000000)\n"
        "    return wrk.format('POST', path, headers, body)\n"
        "  else\n"
        "    local path = '/reviews/' .. reviews[math.random(#reviews)] .. '/like/'\n"
        "    local action = 'like'\n"
        "    if math.random() < 0.5 then action = 'unlike' end\n"
        f"    local body = 'csrfmiddlewaretoken={CSRF}&action=' .. action\n"
        "    return wrk.format('POST', path, headers, body)\n"
        "  end\nend\n" + REPORT_LUA
    )


def lua_review_posts(sessions, film_slugs):
    s = ", ".join(f'"{k}"' for k in sessions)
    f = ", ".join(f'"{k}"' for k in film_slugs)
    return (
        f"local sessions = {{{s}}}\nlocal films = {{{f}}}\n"
        "math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))\n"
        "request = function()\n"
        "  local headers = {}\n"
        f'  headers["Cookie"] = "sessionid=" .. sessions[math.random(#sessions)] .. '
        f'"; csrftoken={CSRF}"\n'
        '  headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        "  local path = '/films/' .. films[math.random(#films)] .. '/review/'\n"
        f"  local body = 'csrfmiddlewaretoken={CSRF}&rating=' .. math.random(10) .. "
        "'&body=Posted+in+a+loop+' .. math.random(1000000)\n"
        "  return wrk.format('POST', path, headers, body)\nend\n" + REPORT_LUA
    )


def settle(*, idle=0.75, timeout=60):
    """Wait until the machine's CPUs are mostly idle again (/proc/stat, half-second
    samples): requests wrk gave up on may still be running in a worker or the database."""

    def busy_and_total():
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        return sum(fields) - fields[3] - fields[4], sum(fields)  # minus idle and iowait

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy, total = busy_and_total()
        time.sleep(0.5)
        busy2, total2 = busy_and_total()
        if total2 > total and (busy2 - busy) / (total2 - total) < 1 - idle:
            return


def ensure_wrk():
    if shutil.which("wrk"):
        return
    print("Installing wrk from Debian's packages…", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)


def run_wrk(port, lua, *, seconds, connections, threads=2):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    try:
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                fh.name,
                f"http://{HOST}:{port}/",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(fh.name)
    result = json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))
    result["rps"] = result["requests"] / result["seconds"]
    return result


class Site:
    """Environment, database and gunicorn servers for one database vendor."""

    def __init__(self, db, var_dir, redis=None):
        self.db = db
        self.env = {
            **os.environ,
            "MARQUEE_VAR_DIR": str(var_dir),
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-only-" + "k" * 40,
            "DJANGO_HTTPS": "false",
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            # Every bench member writes from 127.0.0.1, thousands of times a minute: lift the
            # per-member and per-address write limits (core.ratelimit) out of the way.
            "MARQUEE_RATE_LIMIT_REVIEWS": "1000000000",
            "MARQUEE_RATE_LIMIT_LIKES": "1000000000",
            "MARQUEE_RATE_LIMIT_IP_FACTOR": "1",
        }
        if db == "postgres":
            self.env["DATABASE_URL"] = os.environ.get(
                "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/marquee_loadbench"
            )
        else:
            self.env.pop("DATABASE_URL", None)
        self.env.pop("REDIS_URL", None)
        if redis:
            import redis as redis_client

            redis_client.Redis.from_url(redis).flushdb()
            self.env["REDIS_URL"] = redis
        self.servers = []

    def manage(self, *args, capture=False):
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=capture,
            text=True,
        ).stdout

    def shell(self, code):
        return self.manage("shell", "-c", code, capture=True).strip().splitlines()[-1]

    def prepare(self, films, reviews, users, repopulate):
        if self.db == "postgres":
            self.create_pg_database(drop=repopulate)
        self.manage("migrate", "--noinput", "-v0")
        if (
            repopulate
            or self.shell("from reviews.models import Review; print(Review.objects.count())") == "0"
        ):
            started = time.monotonic()
            self.manage(
                "populate",
                f"--films={films}",
                f"--reviews={reviews}",
                f"--users={users}",
                "--force",
            )
            print(f"populate: {time.monotonic() - started:.0f}s", flush=True)
        self.manage("collectstatic", "--noinput", "-v0")

    def create_pg_database(self, drop):
        import psycopg

        url = self.env["DATABASE_URL"]
        name = url.rsplit("/", 1)[1]
        admin = url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if exists and drop:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def start(self, port, *, page_cache, log):
        env = {**self.env, "MARQUEE_PAGE_CACHE": "true" if page_cache else "false"}
        proc = subprocess.Popen(
            [
                GUNICORN,
                "config.wsgi",
                "--config",
                "config/gunicorn.py",
                "--bind",
                f"{HOST}:{port}",
                "--access-logfile",
                str(log) + ".access",
                "--error-logfile",
                str(log),
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        )
        self.servers.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2).read()
                return port
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"gunicorn did not start on port {port}; see {log}")

    def stop(self):
        for proc in self.servers:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.servers:
            proc.wait(timeout=30)
        self.servers = []

    def facts(self):
        code = (
            "import json; from films.models import Film; from reviews.models import Review; "
            "from accounts.models import User; "
            "big = Film.objects.filter(title='Benchmark Blockbuster').order_by('-pk').first(); "
            "films = list(Film.objects.filter(slug__startswith='bench-').order_by('?')"
            ".values_list('slug', flat=True)[:300]); "
            "reviews = list(Review.objects.filter(film=big).order_by('?')"
            ".values_list('pk', flat=True)[:300]); "
            "print(json.dumps({'big': big.slug, 'big_reviews': big.rating_count, "
            "'films': films, 'reviews': reviews, 'film_count': Film.objects.count(), "
            "'review_count': Review.objects.count()}))"
        )
        return json.loads(self.shell(code))

    def sessions(self, n):
        code = (
            "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY; "
            "from django.contrib.sessions.backends.cached_db import SessionStore; "
            "from accounts.models import User; keys = []\n"
            f"for user in User.objects.filter(username__startswith='bench').order_by('?')[:{n}]:\n"
            "    s = SessionStore(); s[SESSION_KEY] = str(user.pk); "
            "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'; "
            "s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create(); "
            "keys.append(s.session_key)\n"
            "print(','.join(keys))"
        )
        return self.shell(code).split(",")

    def recount_ok(self):
        code = (
            "from django.db.models import Count, F, Sum; from films.models import Film; "
            "from reviews.models import Review; bad = 0\n"
            "rows = dict((r['film_id'], (r['n'], r['s'])) for r in Review.objects.published()"
            ".values('film_id').annotate(n=Count('pk'), s=Sum('rating')).order_by())\n"
            "for f in Film.objects.only('pk', 'rating_count', 'rating_sum').iterator():\n"
            "    if (f.rating_count, f.rating_sum) != rows.get(f.pk, (0, 0)): bad += 1\n"
            "likes = Review.objects.annotate(n=Count('likes')).exclude(like_count=F('n'))"
            ".count()\n"
            "print(bad, likes)"
        )
        bad, likes = map(int, self.shell(code).split())
        return bad, likes


def fmt(name, r, bare=None):
    ratio = f"{r['rps'] / bare['rps']:.2f}x" if bare else "  -  "
    flag = (
        ""
        if not (r["non2xx3xx"] or r["errors"])
        else f"  !! {r['non2xx3xx']} bad, {r['errors']} errors"
    )
    return (
        f"{name:<34} {r['rps']:8.0f} req/s  p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
        f"p99 {r['p99']:7.1f} ms  {ratio}{flag}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--films", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=10, help="per measurement")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--write-seconds", type=int, default=60)
    parser.add_argument("--repopulate", action="store_true")
    parser.add_argument("--write-only", action="store_true")
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--redis", help="a Redis URL for the cache (emptied first)")
    args = parser.parse_args()

    ensure_wrk()
    var_dir = ROOT / "var" / f"bench-{args.db}-{args.films}-{args.reviews}"
    var_dir.mkdir(parents=True, exist_ok=True)
    site = Site(args.db, var_dir, redis=args.redis)
    site.prepare(args.films, args.reviews, args.users, args.repopulate)
    facts = site.facts()
    print(
        f"\n{args.db}{' + Redis' if args.redis else ''}: {facts['film_count']} films, "
        f"{facts['review_count']} reviews; "
        f"film page /films/{facts['big']}/ has {facts['big_reviews']} reviews; "
        f"{os.cpu_count()} cores; wrk -c{args.connections} -d{args.seconds}s\n",
        flush=True,
    )
    film = f"/films/{facts['big']}/"
    sec, conns = args.seconds, args.connections
    results = []
    try:
        if not args.write_only:
            cached = site.start(args.port, page_cache=True, log=var_dir / "gunicorn-cached.log")
            plain = site.start(args.port + 1, page_cache=False, log=var_dir / "gunicorn-plain.log")
            etag = urllib.request.urlopen(f"http://{HOST}:{cached}{film}").headers["ETag"]
            searches = ["/search/?q=" + urllib.parse.quote_plus(q) for q in SEARCHES]
            posts = site.sessions(200)
            plan = [
                ("bare view (uncached server)", plain, lua_get("/robots.txt")),
                ("film page 10k reviews, uncached", plain, lua_get(film)),
                ("catalog ?sort=rating, uncached", plain, lua_get("/films/?sort=rating")),
                ("home, uncached", plain, lua_get("/")),
                ("search, varied queries", plain, lua_rotate(searches)),
                ("bare view (cached server)", cached, lua_get("/robots.txt")),
                ("film page 10k reviews, cached", cached, lua_get(film)),
                (
                    "film page 10k reviews, 304",
                    cached,
                    lua_get(film, {"If-None-Match": etag.replace('"', '\\"')}),
                ),
                ("catalog ?sort=rating, cached", cached, lua_get("/films/?sort=rating")),
                ("home, cached", cached, lua_get("/")),
                ("review POST loop", plain, lua_review_posts(posts, facts["films"])),
            ]
            bare = None
            for name, port, lua in plan:
                r = run_wrk(port, lua, seconds=sec, connections=conns)
                # Requests wrk gave up on at the end (slow searches) may still be running:
                # they would weigh on the next measurement, whichever server it is on.
                settle()
                if name.startswith("bare"):
                    bare = r
                results.append((name, r))
                print(fmt(name, r, bare if not name.startswith("bare") else None), flush=True)
            # p95 at about half the uncached film page's peak: each connection waits between
            # requests so that together they offer half the peak rate. A connection's cycle
            # is its wait plus the response time, which is shorter at half load than at
            # peak: two short probes measure it and set the wait.
            peak = next(r for n, r in results if n.startswith("film page 10k reviews, uncached"))
            target = peak["rps"] / 2
            cycle = 1000 * conns / target
            # Probes continue until one lands within 7% of the target (at most five): the
            # response time itself falls as the wait grows, so one correction can overshoot.
            delay = max(1, int(cycle - peak["p50"]))
            for _probe in range(5):
                probe = run_wrk(plain, lua_get(film, delay_ms=delay), seconds=3, connections=conns)
                if abs(probe["rps"] - target) <= 0.07 * target:
                    break
                response_ms = 1000 * conns / max(probe["rps"], 1) - delay
                delay = max(1, int(cycle - response_ms))
            r = run_wrk(plain, lua_get(film, delay_ms=delay), seconds=sec, connections=conns)
            results.append(("film page uncached at ~half peak", r))
            print(fmt("film page uncached at ~half peak", r) + f"  (target {target:.0f} req/s)")
            site.stop()

        if args.db == "sqlite" or args.write_only:
            port = site.start(args.port + 2, page_cache=True, log=var_dir / "gunicorn-write.log")
            (var_dir / "gunicorn-write.log").write_text("")
            sessions = site.sessions(400)
            r = run_wrk(
                port,
                lua_writes(sessions, facts["films"], facts["reviews"]),
                seconds=args.write_seconds,
                connections=16,
            )
            site.stop()
            log = (var_dir / "gunicorn-write.log").read_text()
            locked = log.count("database is locked")
            bad_films, bad_likes = site.recount_ok()
            results.append(("16 writers (reviews + likes)", r))
            print(fmt("16 writers, reviews + likes", r))
            print(
                f"    writes/s {r['rps']:.0f}; 'database is locked' in log: {locked}; "
                f"films whose stats differ from a recount: {bad_films}; "
                f"reviews whose like count differs: {bad_likes}"
            )
    finally:
        site.stop()
    out = var_dir / ("results-redis.json" if args.redis else "results.json")
    out.write_text(json.dumps(dict(results), indent=2))
    print(f"\nraw figures: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
