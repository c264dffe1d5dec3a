"""Wait until the database and the cache answer, or fail with a clear message.

Used before the PostgreSQL test run and useful before starting web processes.
"""

import time

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection


class Command(BaseCommand):
    help = "Wait for the database and the cache to answer (default: up to 15 seconds)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=15.0)
        parser.add_argument(
            "--server-only",
            action="store_true",
            help="Only check that the database server answers (its maintenance database), "
            "e.g. before tests that create their own database.",
        )

    def handle(self, *args, timeout, server_only, **options):
        self.server_only = server_only
        deadline = time.monotonic() + timeout
        for name, probe in (("database", self.probe_database), ("cache", self.probe_cache)):
            while True:
                try:
                    probe()
                    break
                except Exception as exc:  # noqa: BLE001 - any failure means "not ready yet"
                    if time.monotonic() > deadline:
                        raise CommandError(f"The {name} is not answering: {exc}") from exc
                    time.sleep(0.5)
            if options["verbosity"]:
                self.stdout.write(f"{name}: ok ({self.describe(name)})")

    def probe_database(self):
        connection.close()
        try:
            cursor_factory = connection._nodb_cursor if self.server_only else connection.cursor
            with cursor_factory() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError:
            connection.close()
            raise

    def probe_cache(self):
        # The database cache needs its table, which migrations create: only probe the others.
        if cache.__class__.__name__ == "DatabaseCache":
            return
        cache.set("wait-for-services", 1, 5)
        if cache.get("wait-for-services") != 1:
            raise RuntimeError("the cache did not keep a value")

    def describe(self, name):
        if name == "database":
            return f"{connection.vendor} {connection.settings_dict.get('NAME')}"
        return cache.__class__.__name__
