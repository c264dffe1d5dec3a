import time

from django.core.management.base import BaseCommand, CommandError

from films.imdb import DEFAULT_BATCH_SIZE, FILES, Importer


class Command(BaseCommand):
    help = (
        "Import films, alternative titles, people and credits from IMDb's non-commercial "
        "datasets in DIR (title.basics, title.akas, title.principals, title.crew, "
        "name.basics, title.ratings; .tsv.gz or .tsv). Safe to run again: it updates."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", metavar="DIR")
        parser.add_argument(
            "--rejects",
            metavar="PATH",
            help="Where to write malformed rows (default: DIR/import_imdb.rejects.tsv).",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="Lines per batch; each batch commits on its own (default: %(default)s).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="Don't draw the progress bar."
        )

    def handle(
        self, directory, rejects=None, batch_size=DEFAULT_BATCH_SIZE, no_progress=False, **options
    ):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            importer = Importer(
                directory,
                rejects_path=rejects,
                batch_size=batch_size,
                stderr=None if no_progress else self.stderr,
            )
        except OSError as error:
            raise CommandError(str(error)) from error
        if not importer.files:
            names = ", ".join(f"{name}.tsv[.gz]" for name in FILES)
            raise CommandError(f"No IMDb dataset files in {directory}: expected {names}.")
        started = time.monotonic()
        try:
            stats = importer.run()
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        elapsed = time.monotonic() - started

        self.stdout.write(
            f"{'file':<17}{'read':>11}{'created':>10}{'updated':>10}{'unchanged':>11}"
            f"{'skipped':>10}{'rejected':>10}{'rows/s':>10}"
        )
        rejected = 0
        for name, s in stats.items():
            rate = f"{s.read / s.seconds:,.0f}" if s.seconds else ""
            self.stdout.write(
                f"{name:<17}{s.read:>11,}{s.created:>10,}{s.updated:>10,}{s.unchanged:>11,}"
                f"{s.skipped:>10,}{s.rejected:>10,}{rate:>10}"
            )
            rejected += s.rejected
        if importer.tidy_seconds:
            self.stdout.write(f"Search indexes optimized in {importer.tidy_seconds:.1f}s.")
        films = stats.get("title.basics")
        if films and elapsed:
            self.stdout.write(
                f"{films.created + films.updated + films.unchanged:,} films in {elapsed:.1f}s "
                f"({(films.created + films.updated + films.unchanged) / elapsed:,.0f} films/s "
                "including akas and credits)."
            )
        if rejected:
            self.stdout.write(
                self.style.WARNING(f"{rejected:,} rejected rows written to {importer.rejects_path}")
            )
        self.stdout.write(self.style.SUCCESS("Import finished."))
