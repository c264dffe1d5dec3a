"""The database is unavailable (issue 6, faults): every page answers 503 with Retry-After
and a friendly page, never a traceback, and the site recovers by itself when it is back.

In this process the outage is the database connection pointed somewhere it can't open (a
file in a missing folder on SQLite, a closed port on PostgreSQL); on a live gunicorn it is
the SQLite file made unreachable, or the network to PostgreSQL cut by a proxy, and
recovery happens in the same processes, without a restart.
"""

import logging
import shutil
import time
from contextlib import contextmanager

import pytest
from django.db import OperationalError, ProgrammingError, connection, connections
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns
from core import faults
from reviews.models import Like, Reply, Review

from .live import Browser, LiveSite, TcpProxy, database_server, free_port, vendor

FRIENDLY = "Marquee is taking a short break"
# What a visitor must never see of the failure itself.
LEAKS = (
    "Traceback",
    "OperationalError",
    "InterfaceError",
    "PoolTimeout",
    "psycopg",
    "sqlite",
    "unable to open",
    'File "',
    "django.db",
    "Server Error (500)",
)


def assert_unavailable(status, headers, text):
    assert status == 503, (status, text[:500])
    assert headers.get("Retry-After") == str(faults.RETRY_AFTER_SECONDS)
    assert "no-store" in headers.get("Cache-Control", "")
    assert FRIENDLY in text, text[:500]
    for leak in LEAKS:
        assert leak not in text, f"the 503 page shows {leak!r}"


def assert_client_unavailable(response):
    assert_unavailable(response.status_code, response.headers, response.content.decode())


@pytest.fixture(autouse=True)
def _no_outage_left_over():
    faults.outage.since = None
    yield
    faults.outage.since = None


@contextmanager
def database_unreachable(tmp_path):
    """Point this process's connection where no database answers, then put it back."""
    conn = connections["default"]
    saved = {key: conn.settings_dict[key] for key in ("NAME", "HOST", "PORT", "OPTIONS")}
    conn.close()
    if conn.vendor == "postgresql":
        conn.close_pool()
        options = dict(saved["OPTIONS"])
        if isinstance(options.get("pool"), dict):
            options["pool"] = {**options["pool"], "timeout": 0.3}
        conn.settings_dict.update(HOST="127.0.0.1", PORT=str(free_port()), OPTIONS=options)
    else:
        conn.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "db.sqlite3")
    try:
        yield
    finally:
        conn.close()
        if conn.vendor == "postgresql":
            conn.close_pool()
        conn.settings_dict.update(saved)


@pytest.fixture
def scene(transactional_db, make_user, make_film, make_review):
    """A film with a review, a member, a staff member, and a browser for each."""
    film = make_film(title="Her", slug="her")
    author = make_user(username="writer")
    review = make_review(film=film, author=author, rating=8, body="Lovely.")
    member = make_user(username="alice", display_name="Alice")
    staff = make_user(username="staffer", is_staff=True, is_superuser=True)
    browsers = {}
    for name, user in (("visitor", None), ("member", member), ("staff", staff)):
        browsers[name] = Client(raise_request_exception=False)
        if user is not None:
            browsers[name].force_login(user)
    return {"film": film, "review": review, "member": member, "browsers": browsers}


def requests_for(scene):
    film, review = scene["film"], scene["review"]
    return [
        ("visitor", "get", "/", None),
        ("visitor", "get", "/films/", None),
        ("visitor", "get", f"/films/{film.slug}/", None),
        ("visitor", "get", f"/reviews/{review.pk}/", None),
        ("visitor", "get", "/search/?q=her", None),
        ("visitor", "get", "/users/writer/", None),
        ("visitor", "get", "/feeds/reviews/", None),
        ("visitor", "get", "/sitemap.xml", None),
        ("visitor", "post", "/accounts/login/", {"login": "alice", "password": "x" * 12}),
        ("member", "get", "/", None),
        ("member", "get", f"/films/{film.slug}/", None),
        ("member", "get", f"/films/{film.slug}/review/", None),
        ("member", "get", "/accounts/profile/", None),
        ("member", "post", f"/films/{film.slug}/review/", {"rating": 7, "body": "Lost?"}),
        ("member", "post", f"/reviews/{review.pk}/", {"body": "A reply in the outage."}),
        ("member", "post", f"/reviews/{review.pk}/like/", {"action": "like"}),
        ("staff", "get", "/admin/", None),
    ]


def test_every_page_answers_503_and_recovers_when_the_database_is_back(scene, tmp_path):
    browsers = scene["browsers"]
    counts = (Review.objects.count(), Reply.objects.count(), Like.objects.count())
    with database_unreachable(tmp_path):
        for who, method, url, data in requests_for(scene):
            response = getattr(browsers[who], method)(url, data)
            try:
                assert_client_unavailable(response)
            except AssertionError as exc:
                raise AssertionError(f"{who} {method.upper()} {url}: {exc}") from exc
        # The friendly page is the site's own layout, rendered without the database.
        html = browsers["member"].get("/").content.decode()
        assert "<main" in html and "<nav" in html and 'rel="stylesheet"' in html
        health = browsers["visitor"].get("/healthz")
        assert health.status_code == 503 and health.content == b"database unavailable\n"
        assert health["Retry-After"] == str(faults.RETRY_AFTER_SECONDS)
        # What needs no database still works.
        assert browsers["visitor"].get("/robots.txt").status_code == 200
        assert browsers["visitor"].get("/accounts/login/").status_code == 200

    # Back: the same browsers, still signed in, and nothing was written meanwhile.
    assert (Review.objects.count(), Reply.objects.count(), Like.objects.count()) == counts
    assert browsers["visitor"].get("/healthz").status_code == 200
    for who, method, url, _data in requests_for(scene):
        if method == "get":
            response = browsers[who].get(url)
            assert response.status_code in (200, 302), (who, url, response.status_code)
    page = browsers["member"].get(f"/films/{scene['film'].slug}/")
    assert page.status_code == 200 and page.context["user"] == scene["member"]
    response = browsers["member"].post(
        f"/films/{scene['film'].slug}/review/", {"rating": 7, "body": "Back again."}
    )
    assert response.status_code == 302
    assert Review.objects.get(author=scene["member"]).body == "Back again."


def test_an_outage_is_logged_once_and_so_is_the_recovery(scene, tmp_path, caplog):
    browsers = scene["browsers"]
    with caplog.at_level(logging.INFO):
        with database_unreachable(tmp_path):
            for url in ("/", "/films/", "/healthz", f"/films/{scene['film'].slug}/"):
                assert browsers["member"].get(url).status_code == 503
        assert browsers["member"].get("/films/").status_code == 200
        assert browsers["member"].get("/").status_code == 200

    ours = [r for r in caplog.records if r.name == "core.faults"]
    failures = [r for r in ours if r.levelno == logging.ERROR]
    assert len(failures) == 1 and failures[0].exc_info, [r.getMessage() for r in ours]
    assert "answering 503" in failures[0].getMessage()
    recoveries = [r for r in ours if "reachable again" in r.getMessage()]
    assert len(recoveries) == 1 and "4 requests were answered 503" in recoveries[0].getMessage()
    # Django's own request log doesn't repeat it for every request.
    assert not [r for r in caplog.records if r.name == "django.request"]


def session_only(request):
    """Needs no database itself: the session is saved after the view, by a middleware."""
    request.session["seen"] = True
    return HttpResponse("ok")


def fails_after_a_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    raise OperationalError("server closed the connection unexpectedly")


def chained(request):
    try:
        raise OperationalError("could not connect to server")
    except OperationalError as exc:
        raise RuntimeError("the page could not be built") from exc


def programming_error(request):
    raise ProgrammingError("column films_film.nope does not exist")


def runtime_error(request):
    raise RuntimeError("an ordinary bug")


urlpatterns = [
    path("session-only/", session_only),
    path("fails-after-a-query/", fails_after_a_query),
    path("chained/", chained),
    path("programming-error/", programming_error),
    path("runtime-error/", runtime_error),
    *site_urlpatterns,
]
handler500 = "core.views.server_error"


def test_a_failure_in_a_middleware_after_the_view_is_a_503_too(
    transactional_db, settings, tmp_path
):
    settings.ROOT_URLCONF = __name__
    browser = Client(raise_request_exception=False)
    with database_unreachable(tmp_path):
        assert_client_unavailable(browser.get("/session-only/"))
    response = browser.get("/session-only/")
    assert response.status_code == 200 and settings.SESSION_COOKIE_NAME in response.cookies


def test_a_request_that_hit_a_broken_connection_closes_it(transactional_db, settings):
    settings.ROOT_URLCONF = __name__
    browser = Client(raise_request_exception=False)
    assert_client_unavailable(browser.get("/fails-after-a-query/"))
    # The next request in this thread opens a fresh connection instead of reusing it.
    assert connections["default"].connection is None
    faults.outage.since = None


@pytest.mark.parametrize(
    ("url", "status"),
    [("/chained/", 503), ("/programming-error/", 500), ("/runtime-error/", 500)],
)
def test_only_an_unavailable_database_is_a_503(transactional_db, settings, url, status):
    settings.ROOT_URLCONF = __name__
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status
    text = response.content.decode()
    assert "Traceback" not in text and "does not exist" not in text and "ordinary" not in text


def test_a_503_page_that_cannot_render_falls_back_to_a_plain_one(scene, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("the template needed the database")

    monkeypatch.setattr(faults.loader, "render_to_string", broken)
    with database_unreachable(tmp_path):
        response = scene["browsers"]["member"].get("/")
    assert_client_unavailable(response)
    assert "<h1>" in response.content.decode()


# --- A live gunicorn ----------------------------------------------------------------------

PAGES = ["/", "/films/", "/films/live-film-0/", "/healthz"]


def assert_live_unavailable(answer):
    if answer.status is not None and answer.text == "database unavailable\n":  # /healthz
        assert answer.status == 503 and answer.header("Retry-After")
        return
    assert_unavailable(
        answer.status,
        {k: answer.header(k) or "" for k in ("Retry-After", "Cache-Control")},
        answer.text,
    )


def wait_until_healthy(site, timeout=60):
    """Seconds until /healthz answers 200 again."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if Browser(site.port, timeout=15).get("/healthz").status == 200:
            return time.monotonic() - began
        time.sleep(0.2)
    raise AssertionError(f"the site did not recover within {timeout} s")


def check_outage_and_recovery(site, data, cut, restore):
    member = data["members"][0]
    visitor, browser = site.browser(), site.browser(member[2])
    review_id = data["reviews"][0][0]
    for page in [*PAGES, f"/reviews/{review_id}/"]:
        assert visitor.get(page).status == 200, page
        assert browser.get(page).status == 200, page
    workers = site.worker_pids()

    cut()
    began = time.monotonic()
    for page in PAGES:
        assert_live_unavailable(browser.get(page))
    answer = visitor.get("/")
    if answer.status == 200:
        # With Redis, a visitor's page cached before the outage is still served from it.
        assert site.env.get("REDIS_URL") and answer.header("ETag")
    else:
        assert_live_unavailable(answer)
    assert_live_unavailable(visitor.get("/films/live-film-1/"))  # never cached
    lost = {"rating": 3, "headline": "", "body": "Written during the outage."}
    assert_live_unavailable(browser.post("/films/live-film-0/review/", lost))
    assert visitor.get("/robots.txt").status == 200
    outage = time.monotonic() - began

    restore()
    recovery = wait_until_healthy(site)
    # /healthz answered from one worker; each other worker's pool reconnects on its own
    # schedule (DATABASE_POOL_RECONNECT_TIMEOUT), so give every page a bounded while.
    for page in [*PAGES, f"/reviews/{review_id}/"]:
        deadline = time.monotonic() + 30
        answer = browser.get(page)
        while answer.status == 503 and time.monotonic() < deadline:
            time.sleep(0.5)
            answer = browser.get(page)
        assert answer.status == 200, (page, answer.status, answer.text[:300])
    assert member[1] in browser.get("/films/live-film-0/").text  # still signed in
    kept = {"rating": 9, "headline": "", "body": "Written after the outage."}
    assert browser.post("/films/live-film-0/review/", kept).status == 302
    # The same processes recovered: no worker was restarted.
    assert site.worker_pids() == workers

    audit = site.task("audit")
    mine = [r for r in audit["reviews"] if r["author"] == member[0]]
    assert [r["current"] for r in mine] == [[9, "", "Written after the outage."]]
    assert mine[0]["revisions"] == []
    # Each process logs the start of the outage once, and its end when it next reaches the
    # database: a few more requests, so that the process that failed serves one of them.
    deadline = time.monotonic() + 20
    while "The database is reachable again" not in site.log_text():
        assert time.monotonic() < deadline, site.log_text()[-3000:]
        assert Browser(site.port).get("/healthz").status == 200
    server_log = site.log_text()
    assert "Internal Server Error" not in server_log
    assert 1 <= server_log.count("The database is unavailable") <= len(workers)
    return outage, recovery


@pytest.mark.skipif(vendor() != "sqlite", reason="the PostgreSQL run cuts the network instead")
def test_live_sqlite_site_answers_503_while_its_file_is_unreachable(tmp_path):
    # Per-request connections: an open SQLite connection keeps its file even when the path
    # goes away, so only requests that open the file see the outage.
    site = LiveSite(tmp_path, workers=2, threads=2, env={"DATABASE_CONN_MAX_AGE": "0"})
    try:
        data = site.task("populate", films=2, members=2, authors=2)
        site.start()
        db = site.database_file
        away = db.with_name("db.sqlite3.away")

        def cut():
            # Between requests no connection is open, so the file is whole on its own. A
            # worker closes its connection only after the client has the response, and the
            # last one to close checkpoints and removes the WAL: wait for that, bounded.
            wal = db.with_name("db.sqlite3-wal")
            deadline = time.monotonic() + 15
            while wal.exists():
                assert time.monotonic() < deadline, "a connection stayed open between requests"
                time.sleep(0.05)
            db.rename(away)
            db.mkdir()  # a folder where the file was: it can't be opened, nor created

        def restore():
            shutil.rmtree(db)
            away.rename(db)

        outage, recovery = check_outage_and_recovery(site, data, cut, restore)
    finally:
        site.close()
    print(f"\nsqlite: outage {outage:.1f} s, healthy {recovery:.2f} s after the file was back")


@pytest.mark.skipif(vendor() != "postgresql", reason="needs the PostgreSQL run (DATABASE_URL)")
def test_live_postgresql_site_answers_503_while_the_network_is_cut(tmp_path):
    proxy = TcpProxy(database_server())
    site = LiveSite(
        tmp_path,
        workers=2,
        threads=2,
        env={"DATABASE_POOL_TIMEOUT": "1.5"},
        database_port=proxy.port,
    )
    try:
        data = site.task("populate", films=2, members=2, authors=2)
        site.start()
        outage, recovery = check_outage_and_recovery(site, data, proxy.cut, proxy.restore)
    finally:
        site.close()
        proxy.close()
    print(f"\npostgresql: outage {outage:.1f} s, healthy {recovery:.2f} s after the network")
