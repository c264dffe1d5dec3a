"""Restore a backup made by `manage.py backup` (SQLite).

    python manage.py restore BACKUP_DIR [--no-media] [--noinput]

Safer than copying files by hand:

- the backup is checked first (SHA-256 sums from its manifest, PRAGMA integrity_check);
- the current database is kept beside it as db.sqlite3.before-restore-<time> (and the
  media folder as media.before-restore-<time>), so a restore can be undone;
- the database is written in place through SQLite's backup API, under SQLite's locks.
  Copying a file over a database leaves its -wal and -shm files behind, and SQLite would
  then replay the old database's log into the restored one;
- cached pages are retired afterwards (the content version moves on).

Stop the site before restoring, and start it again afterwards.
"""

import json
import shutil
import sqlite3
import tarfile
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connections

from core.cache import bump_content_version

from .backup import (
    DATABASE_FILE,
    MANIFEST,
    integrity_check,
    local_media_root,
    postgres_advice,
    sha256,
)


class Command(BaseCommand):
    help = "Restore the SQLite database and the media files from a `manage.py backup` folder."

    def add_arguments(self, parser):
        parser.add_argument("backup", metavar="BACKUP_DIR", help="A folder made by backup.")
        parser.add_argument("--no-media", action="store_true", help="Restore the database only.")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, backup, no_media, interactive, **options):
        conn = connections["default"]
        if conn.vendor != "sqlite":
            raise CommandError(postgres_advice(verb="the restore"))
        folder = Path(backup)
        manifest = self.checked_manifest(folder)
        target = Path(conn.settings_dict["NAME"])
        media_root = None if no_media else local_media_root()
        media = manifest.get("media", {})
        if media_root is not None and not media.get("file"):
            media_root = None  # the backup has no media archive (object storage)

        if interactive:
            answer = input(
                f"Restore the backup of {manifest['created']} into {target}"
                + (f" and {media_root}" if media_root else "")
                + "? The current data is kept beside it. Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")

        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        conn.close()
        kept = self.restore_database(folder / DATABASE_FILE, target, stamp)
        kept_media = self.restore_media(folder / media["file"], media_root, stamp)
        try:
            bump_content_version()
        except DatabaseError:
            self.stderr.write(
                "Cached pages could not be retired: run `manage.py migrate` (the backup "
                "may predate the latest migrations), then start the site."
            )
        rows = manifest["database"].get("rows", {})
        self.stdout.write(
            f"Restored the backup of {manifest['created']} into {target} "
            f"({rows.get('reviews_review', '?')} reviews, integrity ok)"
            + (f" and {media.get('files', 0)} media files into {media_root}" if media_root else "")
            + "."
        )
        for path in (kept, kept_media):
            if path:
                self.stdout.write(f"The data it replaced is kept in {path}")

    def checked_manifest(self, folder):
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError) as exc:
            raise CommandError(f"{folder} is not a backup (no readable {MANIFEST}).") from exc
        database = manifest.get("database", {})
        if database.get("engine") != "sqlite":
            raise CommandError(f"{folder} does not hold a SQLite backup.")
        for part in (database, manifest.get("media", {})):
            if not part.get("file"):
                continue
            path = folder / part["file"]
            if not path.is_file() or sha256(path) != part.get("sha256"):
                raise CommandError(f"{path} is missing or differs from the backup's manifest.")
        copy = sqlite3.connect(f"file:{folder / DATABASE_FILE}?mode=ro", uri=True)
        try:
            check = integrity_check(copy)
        finally:
            copy.close()
        if check != "ok":
            raise CommandError(f"The backup's database fails its integrity check: {check}")
        return manifest

    def restore_database(self, source, target, stamp):
        kept = None
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=60)
        try:
            if target.stat().st_size:
                kept = target.with_name(f"{target.name}.before-restore-{stamp}")
                old = sqlite3.connect(kept)
                try:
                    dst.backup(old)
                finally:
                    old.close()
            src.backup(dst)
            check = integrity_check(dst)
        finally:
            src.close()
            dst.close()
        if check != "ok":
            raise CommandError(f"The restored database fails its integrity check: {check}")
        return kept

    def restore_media(self, archive_path, media_root, stamp):
        if media_root is None:
            return None
        media_root.parent.mkdir(parents=True, exist_ok=True)
        unpacked = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=media_root.parent))
        try:
            with tarfile.open(archive_path, "r:gz") as archive:
                archive.extractall(unpacked, filter="data")
            kept = None
            if media_root.exists():
                kept = media_root.with_name(f"{media_root.name}.before-restore-{stamp}")
                media_root.rename(kept)
            (unpacked / "media").rename(media_root)
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
        return kept
