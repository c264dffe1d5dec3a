"""Import IMDb's non-commercial datasets (https://developer.imdb.com/non-commercial-datasets/).

Files are TSV, optionally gzipped, UTF-8, with a header row, `\\N` for null and commas
between array items. They are streamed in batches: memory holds one batch and a few small
caches (genres), whatever the file size. Each batch commits on its own, so an interrupted
import keeps what it wrote, and running it again updates rather than duplicates (films and
people are matched on their IMDb ids, titles and credits on unique constraints).

Order matters and is fixed: title.basics (films), title.akas (alternative titles),
title.principals and title.crew (credits; people are created from their ids), name.basics
(names of people already in the catalog only), title.ratings (vote counts for ranking).
"""

import gzip
import json
import os
import re
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import AlternativeTitle, Credit, Film, FilmTitle, Genre, Person
from .search import film_texts, normalize, reindex_films

NULL = "\\N"
FILES = {
    "title.basics": (
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "endYear",
        "runtimeMinutes",
        "genres",
    ),
    "title.akas": (
        "titleId",
        "ordering",
        "title",
        "region",
        "language",
        "types",
        "attributes",
        "isOriginalTitle",
    ),
    "title.principals": ("tconst", "ordering", "nconst", "category", "job", "characters"),
    "title.crew": ("tconst", "directors", "writers"),
    "name.basics": (
        "nconst",
        "primaryName",
        "birthYear",
        "deathYear",
        "primaryProfession",
        "knownForTitles",
    ),
    "title.ratings": ("tconst", "averageRating", "numVotes"),
}
CAST_CATEGORIES = {"actor": Credit.Role.CAST, "actress": Credit.Role.CAST, "self": Credit.Role.CAST}
CREW_CATEGORIES = {"director": Credit.Role.DIRECTOR, "writer": Credit.Role.WRITER}
_TCONST = re.compile(r"^tt\d{1,10}$")
_NCONST = re.compile(r"^nm\d{1,10}$")


class Reject(Exception):
    """A malformed row: counted, written to the rejects file, never fatal."""


def _execute_many(sql, rows):
    """executemany through Django's cursor: the ORM's per-object work costs more than the
    database's at millions of rows."""
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _column_types(model, columns):
    by_column = {f.column: f for f in model._meta.concrete_fields}
    types = []
    for column in columns:
        field = by_column[column]
        db_type = field.rel_db_type(connection) if field.is_relation else field.db_type(connection)
        # Array casts want plain types: no serial, no CHECK clauses.
        types.append(db_type.replace("bigserial", "bigint").replace("serial", "integer"))
    return types


def _pg_rows(model, columns, rows, chunk=20000):
    """PostgreSQL: `SELECT ... FROM unnest(%s::type[], ...)` with one array per column:
    a handful of parameters per statement however many rows."""
    types = _column_types(model, columns)
    names = [f"c{i}" for i in range(len(columns))]
    arrays = ", ".join(f"%s::{t}[]" for t in types)
    select = f"SELECT {', '.join(names)} FROM unnest({arrays}) AS v({', '.join(names)})"  # noqa: S608 - names and types come from the model
    for i in range(0, len(rows), chunk):
        part = rows[i : i + chunk]
        yield select, names, [list(column) for column in zip(*part, strict=True)]


def _insert_ignoring_duplicates(model, columns, rows):
    """INSERT ... ON CONFLICT DO NOTHING on both databases: unique constraints make re-runs
    idempotent. Returns how many rows were inserted."""
    rows = list(rows)
    if not rows:
        return 0
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
    inserted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for select, _names, params in _pg_rows(model, columns, rows):
                cursor.execute(head + select + " ON CONFLICT DO NOTHING", params)
                inserted += max(cursor.rowcount, 0)
        else:
            values = "VALUES (" + ", ".join(["%s"] * len(columns)) + ")"
            cursor.executemany(head + values + " ON CONFLICT DO NOTHING", rows)
            inserted += max(cursor.rowcount, 0)
    return inserted


def _update_by_pk(model, columns, rows):
    """rows: (value, ..., pk) tuples."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for select, names, params in _pg_rows(model, [*columns, "id"], rows):
                assignments = ", ".join(
                    f"{qn(c)} = v.{n}" for c, n in zip(columns, names, strict=False)
                )
                cursor.execute(
                    f"UPDATE {table} SET {assignments} FROM ({select}) AS v "  # noqa: S608
                    f"WHERE {table}.id = v.{names[-1]}",
                    params,
                )
        return
    assignments = ", ".join(f"{qn(c)} = %s" for c in columns)
    _execute_many(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608


def _ids_by_imdb_id(model, imdb_ids):
    """{imdb_id: pk} in one query per 5000 ids, without the ORM's per-value lookup work."""
    imdb_ids = list(set(imdb_ids))
    table = connection.ops.quote_name(model._meta.db_table)
    found = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: psycopg needn't parse thousands of placeholders.
            cursor.execute(
                f"SELECT imdb_id, id FROM {table} WHERE imdb_id = ANY(%s)",  # noqa: S608
                [imdb_ids],
            )
            return dict(cursor.fetchall())
        for i in range(0, len(imdb_ids), 5000):
            part = imdb_ids[i : i + 5000]
            cursor.execute(
                f"SELECT imdb_id, id FROM {table} WHERE imdb_id IN "  # noqa: S608
                f"({', '.join(['%s'] * len(part))})",
                part,
            )
            found.update(cursor.fetchall())
    return found


class SlugAllocator:
    """Readable, stable, unique slugs for new rows without a query per row: "title", then
    "title-year", then "title-year-2"... Remembers the next free number of each stem it
    has seen (bounded), since the importer is the only writer of these slugs while it runs."""

    def __init__(self, model, fallback):
        self.model = model
        self.fallback = fallback
        self.next_number = {}

    def assign(self, items):
        """items: (object, text, extra) triples; sets object.slug."""
        if len(self.next_number) > 200_000:
            self.next_number.clear()
        plans = []
        candidates = set()
        for obj, text, extra in items:
            base = slugify(text)[:80].strip("-") or self.fallback
            options = [base] + ([f"{base}-{extra}"] if extra else [])
            plans.append((obj, options))
            candidates.update(options)
        manager = self.model._default_manager
        taken = set(manager.filter(slug__in=candidates).values_list("slug", flat=True))
        fallbacks = []
        for obj, options in plans:
            free = [o for o in options if o not in taken]
            if free:
                obj.slug = free[0]
                taken.add(obj.slug)
            else:
                fallbacks.append((obj, options[-1]))
        while fallbacks:
            for obj, stem in fallbacks:
                n = self.next_number.get(stem)
                if n is None:
                    # Slugs are [a-z0-9-]: everything starting "stem-" sorts before "stem.".
                    used = manager.filter(slug__gte=f"{stem}-", slug__lt=f"{stem}.").values_list(
                        "slug", flat=True
                    )
                    numbers = [
                        int(u[len(stem) + 1 :]) for u in used if u[len(stem) + 1 :].isdigit()
                    ]
                    n = max([x for x in numbers if x < 1000], default=1) + 1
                while f"{stem}-{n}" in taken:
                    n += 1
                obj.slug = f"{stem}-{n}"
                self.next_number[stem] = n + 1
                taken.add(obj.slug)
            # A cached number can meet a slug written since (another row's "name-year"):
            # check them all in one query and renumber the few that clash.
            clashing = set(
                manager.filter(slug__in=[obj.slug for obj, _stem in fallbacks]).values_list(
                    "slug", flat=True
                )
            )
            taken |= clashing
            fallbacks = [(obj, stem) for obj, stem in fallbacks if obj.slug in clashing]


def find_files(directory):
    """{name: path} of the dataset files present in `directory` (.tsv.gz or .tsv)."""
    directory = Path(directory)
    found = {}
    for name in FILES:
        for suffix in (".tsv.gz", ".tsv"):
            path = directory / f"{name}{suffix}"
            if path.is_file():
                found[name] = path
                break
    return found


class TsvReader:
    """Rows of one dataset file as tuples in FILES order, with their line numbers.
    Tracks how far through the (compressed) file it is, for the progress bar."""

    def __init__(self, name, path):
        self.name = name
        self.path = Path(path)
        self.size = max(1, os.path.getsize(self.path))
        self.raw = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        self.stream = gzip.GzipFile(fileobj=self.raw) if self._is_gzip() else self.raw
        header = self.stream.readline().decode("utf-8-sig").rstrip("\r\n").split("\t")
        missing = [c for c in FILES[name] if c not in header]
        if missing:
            self.close()
            raise ValueError(f"{self.path.name}: header lacks {', '.join(missing)}")
        self.width = len(header)
        self.indexes = [header.index(c) for c in FILES[name]]

    def _is_gzip(self):
        magic = self.raw.read(2)
        self.raw.seek(0)
        return magic == b"\x1f\x8b"

    @property
    def fraction(self):
        return min(1.0, self.raw.tell() / self.size)

    def __iter__(self):
        """(line number, fields or None, reason or None) for every data line."""
        indexes = self.indexes
        width = self.width
        in_order = indexes == list(range(len(indexes)))
        for lineno, line in enumerate(self.stream, start=2):
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                yield lineno, None, "not valid UTF-8", line
                continue
            values = text.rstrip("\r\n").split("\t")
            if len(values) != width:
                if text.strip():
                    yield lineno, None, f"expected {width} fields, found {len(values)}", line
                continue
            yield lineno, values if in_order else [values[i] for i in indexes], None, line

    def close(self):
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.close()


@dataclass
class FileStats:
    read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    seconds: float = 0.0
    extra: Counter = field(default_factory=Counter)


class Progress:
    """One line on a terminal-ish stream: how far, how many rows, rows per second."""

    def __init__(self, stream, label, every=0.5):
        self.stream = stream
        self.label = label
        self.every = every
        self.started = self.last = time.monotonic()

    def update(self, rows, fraction, force=False):
        now = time.monotonic()
        if not force and now - self.last < self.every:
            return
        self.last = now
        rate = rows / max(now - self.started, 1e-6)
        width = 24
        done = int(fraction * width)
        bar = "#" * done + "-" * (width - done)
        self.stream.write(
            f"\r{self.label:<17}[{bar}] {fraction:4.0%} {rows:>11,} rows {rate:>9,.0f} rows/s"
        )
        self.stream.flush()

    def finish(self, rows):
        self.update(rows, 1.0, force=True)
        self.stream.write("\n")
        self.stream.flush()


def _int(value, low, high, what):
    if value == NULL or value == "":
        return None
    try:
        number = int(value)
    except ValueError:
        raise Reject(f"{what} is not a number: {value[:40]!r}") from None
    if not low <= number <= high:
        raise Reject(f"{what} out of range: {number}")
    return number


def _nconsts(value, what):
    if value == NULL or value == "":
        return []
    ids = value.split(",")
    for nconst in ids:
        if not _NCONST.match(nconst):
            raise Reject(f"{what}: not an IMDb name id: {nconst[:40]!r}")
    return ids


def _text(value, what, max_length):
    if value == NULL or not value.strip():
        raise Reject(f"{what} is empty")
    return value.strip()[:max_length]


class Importer:
    """One import run. `stdout`/`stderr` are text streams (the command's)."""

    def __init__(self, directory, *, rejects_path=None, batch_size=2000, stderr=None):
        self.directory = Path(directory)
        self.files = find_files(self.directory)
        self.batch_size = batch_size
        self.rejects_path = Path(rejects_path or self.directory / "import_imdb.rejects.tsv")
        self._rejects = None
        self.stderr = stderr
        self.stats = {}
        self.tidy_seconds = 0.0
        self._genres = {g.name: g.pk for g in Genre.objects.all()}
        self._film_slugs = SlugAllocator(Film, "untitled")
        self._person_slugs = SlugAllocator(Person, "person")

    # --- plumbing -----------------------------------------------------------------------

    def run(self):
        try:
            for name, handler in (
                ("title.basics", self._basics),
                ("title.akas", self._akas),
                ("title.principals", self._principals),
                ("title.crew", self._crew),
                ("name.basics", self._names),
                ("title.ratings", self._ratings),
            ):
                if name in self.files:
                    self._stream(name, handler)
            self.tidy_search_indexes()
        finally:
            if self._rejects:
                self._rejects.close()
        return self.stats

    def tidy_search_indexes(self):
        """After bulk writes: PostgreSQL's GIN indexes keep new entries in a pending list
        that every search scans until VACUUM merges it (searches were 10x slower before);
        SQLite's FTS5 segments merge into one b-tree. Both refresh planner statistics."""
        started = time.monotonic()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                if connection.in_atomic_block:
                    return  # VACUUM can't run in a transaction (tests wrap one around us)
                cursor.execute(
                    "VACUUM (ANALYZE) films_filmtitle, films_person, films_film, "
                    "films_alternativetitle, films_credit"
                )
            elif connection.vendor == "sqlite":
                cursor.execute(
                    "INSERT INTO films_filmtitle_fts(films_filmtitle_fts) VALUES('optimize')"
                )
                cursor.execute("INSERT INTO films_person_fts(films_person_fts) VALUES('optimize')")
                cursor.execute("PRAGMA optimize")
        self.tidy_seconds = time.monotonic() - started

    def _reject(self, name, lineno, reason, raw):
        stats = self.stats[name]
        stats.rejected += 1
        if self._rejects is None:
            self._rejects = open(self.rejects_path, "w", encoding="utf-8")  # noqa: SIM115
            self._rejects.write("file\tline\treason\trow\n")
        row = raw.decode("utf-8", "backslashreplace").rstrip("\r\n")[:500].replace("\t", "\\t")
        self._rejects.write(f"{name}\t{lineno}\t{reason}\t{row}\n")

    def _stream(self, name, handler):
        stats = self.stats[name] = FileStats()
        reader = TsvReader(name, self.files[name])
        progress = Progress(self.stderr, name) if self.stderr else None
        started = time.monotonic()
        batch = []
        try:
            for lineno, values, reason, raw in reader:
                stats.read += 1
                if values is None:
                    self._reject(name, lineno, reason, raw)
                    continue
                batch.append((lineno, values, raw))
                if len(batch) >= self.batch_size:
                    self._flush(name, handler, batch)
                    batch = []
                    if progress:
                        progress.update(stats.read, reader.fraction)
            if batch:
                self._flush(name, handler, batch)
        finally:
            reader.close()
        stats.seconds = time.monotonic() - started
        if progress:
            progress.finish(stats.read)

    def _flush(self, name, handler, batch):
        rows = []
        for lineno, values, raw in batch:
            try:
                parsed = self._parse(name, values)
            except Reject as reject:
                self._reject(name, lineno, str(reject), raw)
                continue
            if parsed is None:
                self.stats[name].skipped += 1
            else:
                rows.append(parsed)
        with transaction.atomic(), self._bulk_search_index():
            handler(rows, self.stats[name])

    @contextmanager
    def _bulk_search_index(self):
        """SQLite: switch the per-row FTS triggers off for this transaction and index the
        rows it added in one INSERT ... SELECT each (PostgreSQL's GIN indexes need nothing)."""
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM films_filmtitle")
            last_title = cursor.fetchone()[0]
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM films_person")
            last_person = cursor.fetchone()[0]
            cursor.execute("INSERT INTO films_search_bulk_load (active) VALUES (1)")
        yield
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM films_search_bulk_load")
            cursor.execute(
                "INSERT INTO films_filmtitle_fts (rowid, text) "
                "SELECT id, text FROM films_filmtitle WHERE id > %s",
                [last_title],
            )
            cursor.execute(
                "INSERT INTO films_person_fts (rowid, search_name) "
                "SELECT id, search_name FROM films_person WHERE id > %s AND search_name != ''",
                [last_person],
            )

    def _parse(self, name, values):
        return getattr(self, "_parse_" + name.replace(".", "_"))(values)

    def _film_ids(self, tconsts):
        return _ids_by_imdb_id(Film, tconsts)

    # --- title.basics -------------------------------------------------------------------

    def _parse_title_basics(self, v):
        tconst, kind, title, original, adult, start, _end, runtime, genres = v
        if not _TCONST.match(tconst):
            raise Reject(f"not an IMDb title id: {tconst[:40]!r}")
        if adult not in ("0", "1"):
            raise Reject(f"isAdult must be 0 or 1, not {adult[:40]!r}")
        if kind != "movie" or adult == "1":
            return None
        title = _text(title, "primaryTitle", 255)
        original = "" if original == NULL else original.strip()[:255]
        year = _int(start, 1870, 2100, "startYear")
        minutes = _int(runtime, 0, 32767, "runtimeMinutes")
        genre_names = [] if genres in (NULL, "") else [g.strip()[:60] for g in genres.split(",")]
        return tconst, title, "" if original == title else original, year, minutes, genre_names

    def _basics(self, rows, stats):
        existing = {
            f["imdb_id"]: SimpleNamespace(**f)
            for f in Film.objects.filter(imdb_id__in=[r[0] for r in rows])
            .order_by()
            .values(
                "pk",
                "imdb_id",
                "title",
                "original_title",
                "year",
                "release_date",
                "runtime_minutes",
            )
        }
        new, changed, retitled, genre_rows = [], [], [], {}
        for tconst, title, original, year, minutes, genres in rows:
            film = existing.get(tconst)
            if film is None:
                film = SimpleNamespace(
                    pk=None,
                    imdb_id=tconst,
                    title=title,
                    original_title=original,
                    year=year,
                    runtime_minutes=minutes,
                )
                new.append(film)
                existing[tconst] = film
            else:
                # The release date is a local fact IMDb doesn't have; when set, it owns the year.
                year = film.release_date.year if film.release_date else year
                before = (film.title, film.original_title, film.year, film.runtime_minutes)
                after = (title, original, year, minutes)
                if before != after:
                    if before[:2] != after[:2]:
                        retitled.append(film)
                    film.title, film.original_title, film.year, film.runtime_minutes = after
                    changed.append(film)
                else:
                    stats.unchanged += 1
            genre_rows[tconst] = genres
        self._film_slugs.assign([(f, f.title, f.year) for f in new])
        now = timezone.now()
        stamp = connection.ops.adapt_datetimefield_value(now)
        empty_histogram = "[]"  # JSON text: SQLite stores it, PostgreSQL casts it to jsonb
        _insert_ignoring_duplicates(
            Film,
            [
                "title",
                "original_title",
                "slug",
                "tagline",
                "overview",
                "year",
                "runtime_minutes",
                "poster",
                "imdb_id",
                "imdb_votes",
                "created",
                "updated",
                "rating_count",
                "review_count",
                "rating_sum",
                "rating_histogram",
            ],
            [
                (
                    f.title,
                    f.original_title,
                    f.slug,
                    "",
                    "",
                    f.year,
                    f.runtime_minutes,
                    "",
                    f.imdb_id,
                    0,
                    stamp,
                    stamp,
                    0,
                    0,
                    0,
                    empty_histogram,
                )
                for f in new
            ],
        )
        if new:
            ids = self._film_ids(f.imdb_id for f in new)
            for film in new:
                film.pk = ids.get(film.imdb_id)
        _update_by_pk(
            Film,
            ["title", "original_title", "year", "runtime_minutes", "updated"],
            [(f.title, f.original_title, f.year, f.runtime_minutes, stamp, f.pk) for f in changed],
        )
        stats.created += len(new)
        stats.updated += len(changed)
        _insert_ignoring_duplicates(
            FilmTitle,
            ["film_id", "text"],
            [
                (film.pk, text)
                for film in new
                if film.pk
                for text in film_texts(film.title, film.original_title, [])
            ],
        )
        if retitled:
            reindex_films([f.pk for f in retitled])
        self._set_genres(
            {existing[t].pk: names for t, names in genre_rows.items() if existing[t].pk}
        )

    def _set_genres(self, genres_by_film):
        """IMDb owns a film's genres: make the links exactly IMDb's list."""
        for names in genres_by_film.values():
            for name in names:
                if name not in self._genres:
                    genre, _ = Genre.objects.get_or_create(
                        name=name, defaults={"slug": slugify(name)[:60] or "genre"}
                    )
                    self._genres[name] = genre.pk
        through = Film.genres.through
        current = set(
            through.objects.filter(film_id__in=list(genres_by_film)).values_list(
                "film_id", "genre_id"
            )
        )
        wanted = {
            (film_id, self._genres[name])
            for film_id, names in genres_by_film.items()
            for name in names
        }
        stale = current - wanted
        if stale:
            for film_id, genre_id in stale:
                through.objects.filter(film_id=film_id, genre_id=genre_id).delete()
        _insert_ignoring_duplicates(through, ["film_id", "genre_id"], sorted(wanted - current))

    # --- title.akas ---------------------------------------------------------------------

    def _parse_title_akas(self, v):
        tconst, _ordering, title, region, language, _types, _attributes, is_original = v
        if not _TCONST.match(tconst):
            raise Reject(f"not an IMDb title id: {tconst[:40]!r}")
        title = _text(title, "title", 255)
        region = "" if region == NULL else region.strip().upper()
        language = "" if language == NULL else language.strip().lower()
        if len(region) > 4:
            raise Reject(f"region too long: {region[:40]!r}")
        if len(language) > 8:
            raise Reject(f"language too long: {language[:40]!r}")
        if is_original == "1":
            return None  # the original title is stored on the film itself
        return tconst, title, language, region

    def _akas(self, rows, stats):
        films = self._film_ids(r[0] for r in rows)
        new = {}
        for tconst, title, language, region in rows:
            film_id = films.get(tconst)
            if film_id is None:
                stats.skipped += 1  # not a film we import
                continue
            new[(film_id, title, language, region)] = None
        inserted = _insert_ignoring_duplicates(
            AlternativeTitle, ["film_id", "title", "language", "region"], list(new)
        )
        stats.created += inserted
        stats.unchanged += sum(1 for r in rows if r[0] in films) - inserted
        texts = {(key[0], normalize(key[1])[:255]) for key in new}
        _insert_ignoring_duplicates(FilmTitle, ["film_id", "text"], [ft for ft in texts if ft[1]])

    # --- credits ------------------------------------------------------------------------

    def _parse_title_principals(self, v):
        tconst, ordering, nconst, category, _job, characters = v
        if not _TCONST.match(tconst):
            raise Reject(f"not an IMDb title id: {tconst[:40]!r}")
        if not _NCONST.match(nconst):
            raise Reject(f"not an IMDb name id: {nconst[:40]!r}")
        order = _int(ordering, 0, 32767, "ordering") or 0
        role = CAST_CATEGORIES.get(category) or CREW_CATEGORIES.get(category)
        if role is None:
            return None  # producers, composers, editors...: not credits Marquee shows
        character = ""
        if characters not in (NULL, ""):
            try:
                names = json.loads(characters)
            except ValueError:
                raise Reject(f"characters is not a JSON list: {characters[:40]!r}") from None
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise Reject("characters is not a list of names")
            character = " / ".join(n.strip() for n in names)[:255]
        if role != Credit.Role.CAST:
            character = ""
        return [(tconst, nconst, role, character, order)]

    def _parse_title_crew(self, v):
        tconst, directors, writers = v
        if not _TCONST.match(tconst):
            raise Reject(f"not an IMDb title id: {tconst[:40]!r}")
        credits = [
            (tconst, nconst, Credit.Role.DIRECTOR, "", order)
            for order, nconst in enumerate(_nconsts(directors, "directors"))
        ]
        credits += [
            (tconst, nconst, Credit.Role.WRITER, "", order)
            for order, nconst in enumerate(_nconsts(writers, "writers"))
        ]
        return credits or None

    def _principals(self, rows, stats):
        self._credits(rows, stats)

    def _crew(self, rows, stats):
        self._credits(rows, stats)

    def _credits(self, rows, stats):
        films = self._film_ids(row[0][0] for row in rows)
        credits = []
        for row in rows:
            if row[0][0] in films:
                credits.extend(row)
            else:
                stats.skipped += 1  # a title that isn't an imported film
        people = self._people_ids({c[1] for c in credits})
        new = {}
        for tconst, nconst, role, character, order in credits:
            new.setdefault((films[tconst], people[nconst], str(role), character), order)
        inserted = _insert_ignoring_duplicates(
            Credit,
            ["film_id", "person_id", "role", "character", "order"],
            [(*key, order) for key, order in new.items()],
        )
        stats.created += inserted
        stats.unchanged += len(credits) - inserted

    def _people_ids(self, nconsts):
        """Person ids for these IMDb ids, creating placeholders named by id for people not
        seen yet; name.basics fills them in."""
        people = _ids_by_imdb_id(Person, nconsts)
        missing = sorted(set(nconsts) - people.keys())
        if missing:
            _insert_ignoring_duplicates(
                Person,
                ["imdb_id", "name", "slug", "search_name", "biography"],
                [(n, n, n, "", "") for n in missing],
            )
            people.update(_ids_by_imdb_id(Person, missing))
            self.stats.setdefault("people", FileStats()).created += len(missing)
        return people

    # --- name.basics --------------------------------------------------------------------

    def _parse_name_basics(self, v):
        nconst, name, birth, death, _professions, _known_for = v
        if not _NCONST.match(nconst):
            raise Reject(f"not an IMDb name id: {nconst[:40]!r}")
        name = _text(name, "primaryName", 200)
        return (
            nconst,
            name,
            _int(birth, 1, 2100, "birthYear"),
            _int(death, 1, 2100, "deathYear"),
        )

    def _names(self, rows, stats):
        people = {
            p["imdb_id"]: SimpleNamespace(**p)
            for p in Person.objects.filter(imdb_id__in=[r[0] for r in rows])
            .order_by()
            .values("pk", "imdb_id", "name", "slug", "birth_year", "death_year", "search_name")
        }
        changed = []
        placeholders = []
        unindexed = []
        for nconst, name, birth, death in rows:
            person = people.get(nconst)
            if person is None:
                stats.skipped += 1  # not credited on an imported film
                continue
            after = (name, birth, death, normalize(name)[:200])
            if (person.name, person.birth_year, person.death_year, person.search_name) == after:
                stats.unchanged += 1
                continue
            if person.search_name != after[3]:
                unindexed.append((person.pk, person.search_name))
            person.name, person.birth_year, person.death_year, person.search_name = after
            if person.slug == person.imdb_id:
                placeholders.append(person)
            changed.append(person)
        self._person_slugs.assign([(p, p.name, p.birth_year) for p in placeholders])
        _update_by_pk(
            Person,
            ["name", "birth_year", "death_year", "search_name", "slug"],
            [(p.name, p.birth_year, p.death_year, p.search_name, p.slug, p.pk) for p in changed],
        )
        if connection.vendor == "sqlite" and unindexed:
            reindexed = {pk for pk, _old in unindexed}
            # The update trigger is off during the import (see _bulk_search_index).
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO films_person_fts (films_person_fts, rowid, search_name) "
                    "VALUES ('delete', %s, %s)",
                    [(pk, old) for pk, old in unindexed if old],
                )
                cursor.executemany(
                    "INSERT INTO films_person_fts (rowid, search_name) VALUES (%s, %s)",
                    [(p.pk, p.search_name) for p in changed if p.search_name and p.pk in reindexed],
                )
        stats.updated += len(changed)

    # --- title.ratings ------------------------------------------------------------------

    def _parse_title_ratings(self, v):
        tconst, _average, votes = v
        if not _TCONST.match(tconst):
            raise Reject(f"not an IMDb title id: {tconst[:40]!r}")
        number = _int(votes, 0, 2_000_000_000, "numVotes")
        return tconst, number or 0

    def _ratings(self, rows, stats):
        films = {
            imdb_id: (pk, votes)
            for imdb_id, pk, votes in Film.objects.filter(imdb_id__in=[r[0] for r in rows])
            .values_list("imdb_id", "pk", "imdb_votes")
            .order_by()
        }
        updates = []
        for tconst, votes in rows:
            if tconst not in films:
                stats.skipped += 1
            elif films[tconst][1] == votes:
                stats.unchanged += 1
            else:
                updates.append((votes, films[tconst][0]))
        _update_by_pk(Film, ["imdb_votes"], updates)
        stats.updated += len(updates)
