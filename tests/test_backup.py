"""Backups (issue 6, faults): `manage.py backup` copies the SQLite database online, with the
media files and a manifest, and `manage.py restore` brings it back into a fresh database.
A PostgreSQL site is pointed to pg_dump / pg_restore, and that procedure is tested too.
"""

import io
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from datetime import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from films.models import Film, SearchQuery
from reviews.models import Review

from .live import run_task, sqlite_env

ROOT = Path(__file__).resolve().parent.parent


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class Writer(threading.Thread):
    """Keeps writing reviews (each a new version) and likes, logging when each began and
    when it had committed."""

    def __init__(self, users, films):
        super().__init__(daemon=True)
        self.users, self.films = users, films
        self.log = []  # (began, done, author id, film id, (rating, body))
        self.stop = threading.Event()
        self.error = None

    def run(self):
        rng = random.Random(6)
        try:
            for n in range(1, 100_000):
                if self.stop.is_set():
                    break
                user, film = rng.choice(self.users), rng.choice(self.films)
                version = (rng.randint(1, 10), f"Take {n}.")
                began = time.monotonic()
                Review.objects.save_for(author=user, film=film, rating=version[0], body=version[1])
                self.log.append((began, time.monotonic(), user.pk, film.pk, version))
                liked = Review.objects.filter(film=film).exclude(author=user).first()
                if liked is not None:
                    liked.set_liked(user, rng.random() < 0.6)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
        finally:
            connections.close_all()

    def writes_after(self, moment):
        return sum(1 for _b, done, *_ in self.log if done > moment)

    def wait_for(self, condition, timeout=20):
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline and self.is_alive():
            time.sleep(0.02)


def snapshot_versions(log, began, ended):
    """What a snapshot taken between `began` and `ended` may hold for each review: the last
    version committed before `began`, or any version being written meanwhile."""
    allowed = {}
    for start, done, author, film, version in log:
        key = (author, film)
        options = allowed.setdefault(key, {None})
        if done <= began:
            options.clear()
            options.add(version)
        elif start < ended:
            options.add(version)
    return allowed


@pytest.mark.django_db(transaction=True)
def test_backup_while_writing_restores_a_consistent_snapshot(
    tmp_path, settings, make_user, make_film
):
    if connection.vendor != "sqlite":
        pytest.skip("backup is SQLite's; the PostgreSQL run tests pg_dump and pg_restore")
    films = [make_film(title=f"Backed Up {i}") for i in range(4)]
    users = [make_user(username=f"keeper{i}") for i in range(20)]
    # Bulk, so the copy takes a moment while the writer goes on.
    now = timezone.now()
    SearchQuery.objects.bulk_create(
        SearchQuery(query=f"query number {i} " + "x" * 100, hits=i, last_searched_at=now)
        for i in range(20_000)
    )
    poster = Path(settings.MEDIA_ROOT) / "posters" / "backed-up.jpg"
    poster.parent.mkdir(parents=True)
    poster.write_bytes(os.urandom(4096))

    writer = Writer(users, films)
    writer.start()
    writer.wait_for(lambda: len(writer.log) >= 20)
    began = time.monotonic()
    out = io.StringIO()
    call_command("backup", output=str(tmp_path / "backups"), stdout=out)
    ended = time.monotonic()
    writer.wait_for(lambda: writer.writes_after(ended) >= 10)
    writer.stop.set()
    writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert writer.writes_after(ended) >= 10 and len(writer.log) >= 30

    (backup,) = (tmp_path / "backups").iterdir()
    assert str(backup) in out.getvalue()
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["integrity_check"] == "ok"
    assert manifest["database"]["bytes"] == (backup / "db.sqlite3").stat().st_size
    assert manifest["media"]["bytes"] == (backup / "media.tar.gz").stat().st_size
    assert manifest["media"]["files"] == 1
    assert datetime.fromisoformat(manifest["created"]).tzinfo is not None
    assert manifest["database"]["migrations"]["reviews"]
    assert not (backup / "db.sqlite3-wal").exists()

    # Restore into a fresh site and check it is one instant of the database.
    fresh = tmp_path / "fresh"
    env = sqlite_env(fresh)
    result = manage(env, "restore", str(backup), "--noinput")
    assert result.returncode == 0, result.stdout + result.stderr
    audit = run_task(env, "audit")
    assert audit["integrity"] == "ok"
    assert audit["film_mismatches"] == [] and audit["like_mismatches"] == []
    restored = {(r["author"], r["film"]): r["current"] for r in audit["reviews"]}
    problems = []
    for key, options in snapshot_versions(writer.log, began, ended).items():
        found = restored.get(key)
        found = (found[0], found[2]) if found else None
        if found not in options:
            problems.append(f"review {key}: restored {found}, possible {options}")
    assert problems == []
    assert len(restored) == manifest["database"]["rows"]["reviews_review"]
    assert (fresh / "media" / "posters" / "backed-up.jpg").read_bytes() == poster.read_bytes()
    during = sum(1 for start, done, *_ in writer.log if start < ended and done > began)
    print(
        f"\nbackup of {manifest['database']['bytes']:,} bytes in {manifest['seconds']} s; "
        f"{len(writer.log)} reviews written around it, {during} of them during the copy; "
        f"restored {len(restored)} reviews"
    )


def tiny_site(var_dir, rows=("the original",)):
    """A site folder with a small SQLite database and one media file."""
    (var_dir / "media" / "avatars").mkdir(parents=True)
    (var_dir / "media" / "avatars" / "a.png").write_bytes(b"\x89PNG tiny")
    db = sqlite3.connect(var_dir / "db.sqlite3")
    db.execute("CREATE TABLE notes (text TEXT)")
    db.executemany("INSERT INTO notes VALUES (?)", [(r,) for r in rows])
    db.commit()
    db.close()
    return sqlite_env(var_dir)


def notes(path):
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT text FROM notes")]
    finally:
        db.close()


def make_backup(env, out_dir):
    result = manage(env, "backup", "--output", str(out_dir))
    assert result.returncode == 0, result.stdout + result.stderr
    (backup,) = out_dir.iterdir()
    return backup


def test_restore_keeps_the_data_it_replaces(tmp_path):
    backup = make_backup(tiny_site(tmp_path / "old"), tmp_path / "backups")
    site = tmp_path / "site"
    env = tiny_site(site, rows=("written after the backup",))
    (site / "media" / "avatars" / "a.png").write_bytes(b"a newer avatar")

    result = manage(env, "restore", str(backup), "--noinput")
    assert result.returncode == 0, result.stdout + result.stderr
    assert notes(site / "db.sqlite3") == ["the original"]
    assert (site / "media" / "avatars" / "a.png").read_bytes() == b"\x89PNG tiny"
    (kept_db,) = site.glob("db.sqlite3.before-restore-*")
    (kept_media,) = site.glob("media.before-restore-*")
    assert notes(kept_db) == ["written after the backup"]
    assert (kept_media / "avatars" / "a.png").read_bytes() == b"a newer avatar"
    assert str(kept_db) in result.stdout


def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path):
    backup = make_backup(tiny_site(tmp_path / "old"), tmp_path / "backups")
    copy = backup / "db.sqlite3"
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0xFF
    copy.write_bytes(bytes(data))
    site = tmp_path / "site"
    env = tiny_site(site, rows=("current",))

    result = manage(env, "restore", str(backup), "--noinput")
    assert result.returncode != 0
    assert "differs from the backup's manifest" in result.stderr
    assert "Traceback" not in result.stderr
    assert notes(site / "db.sqlite3") == ["current"]
    assert not list(site.glob("*.before-restore-*"))


def test_restore_asks_before_replacing_anything(tmp_path):
    backup = make_backup(tiny_site(tmp_path / "old"), tmp_path / "backups")
    site = tmp_path / "site"
    env = tiny_site(site, rows=("current",))
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(backup)],
        cwd=ROOT,
        env=env,
        input="no\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "cancelled" in result.stderr
    assert notes(site / "db.sqlite3") == ["current"]


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_postgresql_sites_are_told_to_use_pg_dump(tmp_path, command):
    env = {
        **sqlite_env(tmp_path / "var"),
        "DATABASE_URL": "postgres://marquee:not-to-be-shown@db.internal:6543/marquee",
    }
    args = [command] if command == "backup" else [command, str(tmp_path), "--noinput"]
    result = manage(env, *args)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert 'pg_dump --format=custom --dbname="$DATABASE_URL" --file=marquee.dump' in output
    assert 'pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL"' in output
    assert "not-to-be-shown" not in output
    assert "Traceback" not in output


@pytest.mark.django_db(transaction=True)
def test_pg_dump_and_pg_restore_as_the_readme_says(tmp_path, make_user, make_film, make_review):
    if connection.vendor != "postgresql":
        pytest.skip("needs the PostgreSQL run (DATABASE_URL)")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        if os.environ.get("CI") == "true":
            pytest.fail("pg_dump and pg_restore are needed in CI")
        pytest.skip("pg_dump / pg_restore are not installed")
    import psycopg

    film = make_film(title="Dumped")
    for i in range(5):
        make_review(film=film, author=make_user(username=f"dumper{i}"), rating=2 + i)
    film.refresh_from_db()
    # The commands README.md gives, with DATABASE_URL naming this run's test database.
    settings_dict = connection.settings_dict
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    database_url = parts._replace(path="/" + settings_dict["NAME"]).geturl()
    restored_name = f"{settings_dict['NAME']}_restored"
    restored_url = parts._replace(path="/" + restored_name).geturl()
    dump = tmp_path / "marquee.dump"
    admin_url = parts._replace(path="/postgres").geturl()
    try:
        subprocess.run(
            ["pg_dump", "--format=custom", f"--dbname={database_url}", f"--file={dump}"],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{restored_name}"')
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                f"--dbname={restored_url}",
                str(dump),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with psycopg.connect(restored_url) as restored:
            reviews = restored.execute(
                "SELECT count(*), sum(rating) FROM reviews_review WHERE film_id = %s", [film.pk]
            ).fetchone()
            stats = restored.execute(
                "SELECT rating_count, rating_sum FROM films_film WHERE id = %s", [film.pk]
            ).fetchone()
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)')
    assert reviews == (5, sum(range(2, 7)))
    assert stats == (film.rating_count, film.rating_sum) == (5, sum(range(2, 7)))
    assert Film.objects.get(pk=film.pk).rating_count == 5
