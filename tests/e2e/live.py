"""A live Marquee, served as `make run` serves it, and the Chromium that drives it.

Shared by the browser tests (tests/e2e), scripts/screenshots.py and bench/web_vitals.py.
`LiveSite` builds a throwaway var directory (SQLite database, media, collected static
files), migrates and seeds it, adds a moderator and a few members with a known password,
and starts gunicorn with config/gunicorn.py on a free loopback port: DEBUG off, whitenoise,
production settings; only plain HTTP on loopback and the temporary database differ.
"""

import contextlib
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
CHROMIUM = os.environ.get("MARQUEE_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Headless Chromium as a sandboxed CI machine can run it, with nothing phoning home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

PASSWORD = "e2e-" + "correct-horse-battery"
MODERATOR = "moderator"
# Members the tests log in as; each test writes as its own member so none depends on another.
MEMBERS = ["ada", "ben", "cleo", "dev", "eve", "finn", "gus", "hana", "ivo", "jun"]

_CREATE_PEOPLE = """
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from accounts.models import User
password = make_password({password!r})
mod = User.objects.create(username={moderator!r}, email={moderator!r} + "@example.com",
                          display_name="Mo Derator", is_staff=True, password=password)
mod.groups.add(Group.objects.get(name="Moderators"))
for name in {members!r}:
    User.objects.create(username=name, email=name + "@example.com",
                        display_name=name.title(), password=password)
"""


def missing_tools(need_axe=True):
    """Why the browser tests cannot run here, or None when they can."""
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (install chromium chromium-driver)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install '.[dev]')"
    if need_axe and not AXE.exists():
        return "node_modules/axe-core not found (run npm ci)"
    return None


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class LiveSite:
    """gunicorn serving a freshly seeded site from its own temporary var directory."""

    def __init__(self, var_dir=None, *, port=None, workers=2, threads=4, env=None):
        self._tmp = None
        if var_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="marquee-live-")
            var_dir = self._tmp.name
        self.var_dir = Path(var_dir)
        self.port = port or free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.log_path = self.var_dir / "gunicorn.log"
        self.db_path = self.var_dir / "db.sqlite3"
        self.env = {
            **os.environ,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_HTTPS": "false",
            "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
            "MARQUEE_VAR_DIR": str(self.var_dir),
            # Staff would otherwise be sent to set up TOTP before they can moderate.
            "MARQUEE_STAFF_MFA_REQUIRED": "false",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        # None leaves the sizing to config/gunicorn.py, as `make run` does.
        if workers:
            self.env["WEB_CONCURRENCY"] = str(workers)
        if threads:
            self.env["GUNICORN_THREADS"] = str(threads)
        # Always a private SQLite database and the database cache: nothing shared with
        # the suite's own databases or another run.
        # E-mail goes to the console (so sign-up needs no confirmation link).
        for name in (
            "DATABASE_URL",
            "REDIS_URL",
            "DJANGO_MEDIA_ROOT",
            "DJANGO_MEDIA_URL",
            "EMAIL_URL",
        ):
            self.env.pop(name, None)
        self.proc = None

    # --- lifecycle ---------------------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def prepare(self):
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--noinput", "-v0")
        self.manage("seed")
        self.manage("collectstatic", "--noinput", "-v0")
        self.shell(_CREATE_PEOPLE.format(password=PASSWORD, moderator=MODERATOR, members=MEMBERS))

    def start(self, timeout=60):
        self.prepare()
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(  # noqa: S603 - fixed local command
                [gunicorn, "config.wsgi", "--config", "config/gunicorn.py"]
                + ["--bind", f"{HOST}:{self.port}"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer on {self.url}:\n{self.log_tail()}")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    # --- looking inside --------------------------------------------------------------

    def manage(self, *args):
        result = subprocess.run(  # noqa: S603 - fixed local command
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
        return result.stdout

    def shell(self, code):
        return self.manage("shell", "-c", code)

    def query(self, sql, params=()):
        """Rows from the live database, read directly (the server keeps running)."""
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=20)) as db:
            return db.execute(sql, params).fetchall()

    def query_one(self, sql, params=()):
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def showcase(self):
        """A seeded review with a written body and replies, and the most active member's
        username: the review and profile pages that tests, screenshots and benchmarks visit."""
        review = self.query_one(
            "SELECT r.id FROM reviews_review r WHERE r.status = 'published' "
            "AND r.headline != '' AND r.body != '' "
            "AND EXISTS (SELECT 1 FROM reviews_reply p WHERE p.review_id = r.id) ORDER BY r.id"
        )[0]
        profile = self.query_one(
            "SELECT u.username FROM accounts_user u JOIN reviews_review r ON r.author_id = u.id "
            "GROUP BY u.id ORDER BY COUNT(*) DESC, u.id"
        )[0]
        return {"review": review, "profile": profile}
