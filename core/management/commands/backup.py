"""Back up the SQLite database and the media files while the site runs.

    python manage.py backup [--output DIR]

Makes DIR/marquee-<UTC time>/ (DIR defaults to var/backups) holding:

- db.sqlite3: the database copied with SQLite's online backup API in one step, so the copy
  is the database as it was at one instant; in WAL mode writers carry on meanwhile. The
  copy is a standalone file (rollback journal), checked with PRAGMA integrity_check.
- media.tar.gz: the media folder, archived after the database, so every file the copied
  rows name was already on disk.
- manifest.json: when, what, sizes, SHA-256 sums, the integrity check, row counts and the
  last migration of each app.

The folder gets its final name only once everything is written and checked. Restore with
`manage.py restore`. A PostgreSQL site is backed up with pg_dump instead: the command says
how, and stops.
"""

import hashlib
import io
import json
import sqlite3
import tarfile
import time
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

MANIFEST = "manifest.json"
DATABASE_FILE = "db.sqlite3"
MEDIA_FILE = "media.tar.gz"
# Shown in the manifest so a restore can be checked at a glance.
COUNTED_TABLES = [
    "films_film",
    "accounts_user",
    "reviews_review",
    "reviews_reply",
    "reviews_like",
    "reviews_reviewrevision",
]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def integrity_check(conn):
    return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check").fetchall())


def describe_database(conn):
    """Row counts and the last migration of each app, from a copy of the database."""
    tables = {
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    }
    counts = {
        table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        for table in COUNTED_TABLES
        if table in tables
    }
    migrations = {}
    if "django_migrations" in tables:
        for app, name in conn.execute("SELECT app, name FROM django_migrations ORDER BY id"):
            migrations[app] = name
    return counts, migrations


def local_media_root():
    """MEDIA_ROOT if media are files on this machine, None if they live in object storage."""
    backend = settings.STORAGES["default"]["BACKEND"]
    return Path(settings.MEDIA_ROOT) if backend.endswith("FileSystemStorage") else None


def postgres_advice(verb="the backup"):
    """How to back up and restore PostgreSQL: its own tools, given the site's DATABASE_URL
    (so no password is ever printed)."""
    return (
        f"This site's database is PostgreSQL, so {verb} is done with PostgreSQL's own "
        "tools (pg_dump takes a consistent snapshot while the site runs):\n"
        '  back up:  pg_dump --format=custom --dbname="$DATABASE_URL" --file=marquee.dump\n'
        "  restore:  pg_restore --clean --if-exists --no-owner "
        '--dbname="$DATABASE_URL" marquee.dump\n'
        "Back up the media folder or bucket alongside; see README, Backups."
    )


class Command(BaseCommand):
    help = "Back up the SQLite database (online, consistent) and the media files."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="DIR",
            help="Folder to put the backup in (a new marquee-<time> folder inside it). "
            "Default: var/backups.",
        )

    def handle(self, *args, output=None, **options):
        conn = connections["default"]
        if conn.vendor != "sqlite":
            raise CommandError(postgres_advice())
        source = Path(conn.settings_dict["NAME"])
        if not source.is_file():
            raise CommandError(f"There is no database file at {source} to back up.")

        started = time.monotonic()
        created = datetime.now(UTC)
        parent = Path(output) if output else Path(settings.VAR_DIR) / "backups"
        name = f"marquee-{created:%Y%m%d-%H%M%S}"
        final = parent / name
        if final.exists():
            raise CommandError(f"{final} already exists; wait a second and try again.")
        work = parent / f".{name}.partial"
        work.mkdir(parents=True)

        database = self.copy_database(source, work / DATABASE_FILE)
        media = self.archive_media(work / MEDIA_FILE)
        manifest = {
            "format": 1,
            "created": created.isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - started, 3),
            "database": database,
            "media": media,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        if database["integrity_check"] != "ok":
            raise CommandError(
                f"The copy failed its integrity check ({database['integrity_check']}); "
                f"it is kept for inspection in {work}. The database itself may be damaged."
            )
        work.rename(final)
        self.stdout.write(
            f"Backed up the database ({database['bytes']:,} bytes, integrity ok) and "
            f"{media.get('files', 0)} media files in {manifest['seconds']:.1f} s to {final}"
        )
        return None

    def copy_database(self, source, target):
        # One backup step (pages=-1) reads the database in a single read transaction: the
        # copy is one instant of it. Step by step, every write by the site in between would
        # restart the copy.
        src = sqlite3.connect(source, timeout=60)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
        try:
            # A standalone file: no -wal beside it to lose.
            dst.execute("PRAGMA journal_mode=DELETE")
            check = integrity_check(dst)
            counts, migrations = describe_database(dst)
            page_size = dst.execute("PRAGMA page_size").fetchone()[0]
        finally:
            dst.close()
        return {
            "engine": "sqlite",
            "source": str(source),
            "file": target.name,
            "bytes": target.stat().st_size,
            "sha256": sha256(target),
            "integrity_check": check,
            "sqlite_version": sqlite3.sqlite_version,
            "page_size": page_size,
            "rows": counts,
            "migrations": migrations,
        }

    def archive_media(self, target):
        root = local_media_root()
        if root is None:
            return {"note": "Media live in object storage; back the bucket up there."}
        files = skipped = 0
        with tarfile.open(target, "w:gz") as archive:
            folder = tarfile.TarInfo("media")
            folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, int(time.time())
            archive.addfile(folder)
            for path in sorted(root.rglob("*")) if root.is_dir() else []:
                name = "media/" + path.relative_to(root).as_posix()
                try:
                    info = archive.gettarinfo(path, arcname=name)
                    # Read whole before writing, so a file that changes under us can't
                    # leave half an entry in the archive.
                    data = path.read_bytes() if info.isfile() else None
                except OSError:
                    # Deleted while archived (a replaced avatar): the database copy, taken
                    # before, names the file that replaced it or no file at all.
                    skipped += 1
                    continue
                if data is not None:
                    info.size = len(data)
                    archive.addfile(info, io.BytesIO(data))
                    files += 1
                elif info.isdir():
                    archive.addfile(info)
        return {
            "source": str(root),
            "file": target.name,
            "bytes": target.stat().st_size,
            "sha256": sha256(target),
            "files": files,
            "skipped": skipped,
        }
