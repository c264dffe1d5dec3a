# ruff: noqa: S608 - SQL here is built from fixed table and column names; values are parameters
"""Import IMDb's non-commercial datasets (https://developer.imdb.com/non-commercial-datasets/).

Files are TSV, optionally gzipped, UTF-8, with a header row, `\\N` for null and commas
between array items. They are streamed in batches of lines: memory holds one batch whatever
the file size.

How a batch goes in. Python splits lines and rejects those that aren't UTF-8 or don't have
the header's number of fields; every other line goes, fields as they are, into a TEMP
staging table (SQLite: multi-row INSERTs; PostgreSQL: one COPY FROM STDIN). From
there a fixed handful of set-based statements validate the rows (a malformed one gets a
reason and goes to the rejects file), join them to the catalog on IMDb ids, and insert or
update films, genres, alternative titles, people and credits. Python sees rows again only
for what SQL can't do identically on both databases: the slugs and the normalized search
text of new films, alternative titles and people, computed in bulk.

Each batch commits on its own, so an interrupted import keeps what it wrote, and running it
again updates rather than duplicates: films and people are matched on their IMDb ids, titles
and credits on unique constraints, and only fields IMDb has are ever written.

Order: title.ratings (kept for this run: films are created with their vote count),
title.basics (films), title.akas (alternative titles), name.basics (kept for this run;
updates people already in the catalog), title.principals and title.crew (credits; people
are created when first credited, named from name.basics). Votes of films that already
existed are applied last.
"""

import gzip
import io
import os
import re
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from core.cache import bump_after_commit

from .models import Genre
from .search import normalize_many, reindex_films

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
# Everything str.strip() strips, so SQL trims what the Python importer used to.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
DEFAULT_BATCH_SIZE = 50_000


def staging_table(name):
    """ "title.basics" -> "imdb_in_basics", "name.basics" -> "imdb_in_names"."""
    return "imdb_in_names" if name == "name.basics" else f"imdb_in_{name.split('.')[1]}"


# Per-run TEMP tables. imdb_in_* hold a batch's raw fields (named like the file's columns);
# the others hold a batch's validated rows, except imdb_name: all of name.basics, for
# naming people as they are first credited.
TEMP_TABLES = {
    **{
        staging_table(name): ["lineno INTEGER PRIMARY KEY"] + [f"{c.lower()} text" for c in columns]
        for name, columns in FILES.items()
    },
    "imdb_title": [
        "lineno integer PRIMARY KEY",
        "tconst text",
        "film_id bigint",
        "title text",
        "original text",
        "release_year bigint",
        "minutes bigint",
        "genres text",
        "reason text",
        "skipped integer",
    ],
    "imdb_genre": ["tconst text", "name text"],
    "imdb_aka": [
        "lineno integer",
        "film_id bigint",
        "title text",
        "language text",
        "region text",
        "reason text",
        "skipped integer",
    ],
    "imdb_crewline": [
        "lineno integer",
        "film_id bigint",
        "directors text",
        "writers text",
        "reason text",
        "skipped integer",
    ],
    "imdb_credit": [
        "lineno integer",
        "film_id bigint",
        "nconst text",
        "role text",
        "character_name text",
        "ord bigint",
        "reason text",
        "skipped integer",
    ],
    "imdb_person": [
        "lineno integer",
        "nconst text",
        "name text",
        "birth bigint",
        "death bigint",
        "reason text",
        "skipped integer",
    ],
    "imdb_name": ["nconst text PRIMARY KEY", "name text", "birth bigint", "death bigint"],
    "imdb_votes": ["tconst text PRIMARY KEY", "votes bigint"],
    "imdb_rating": [
        "lineno integer",
        "tconst text",
        "votes bigint",
        "reason text",
        "skipped integer",
    ],
    # New films or people on their way in: slug stem parts, then the slug.
    "imdb_new": [
        "pos integer PRIMARY KEY",
        "item text",
        "base text",
        "extra text",
        "slug text",
        "name text",
        "birth bigint",
        "death bigint",
        "search_name text",
        "reindex integer",
    ],
    "imdb_stem": ["stem text PRIMARY KEY", "top bigint"],
    "imdb_numbered": ["pos integer PRIMARY KEY", "stem text", "slug text"],
    "imdb_text": ["film_id bigint", "text text"],
}
RUN_TABLES = {"imdb_name", "imdb_votes"}


class Dialect:
    """The few SQL expressions SQLite and PostgreSQL spell differently."""

    def __init__(self, vendor):
        self.postgres = vendor == "postgresql"
        codes = [ord(c) for c in WHITESPACE]
        if self.postgres:
            self.whitespace = "||".join(f"chr({c})" for c in codes)
        else:
            self.whitespace = f"char({', '.join(map(str, codes))})"
        # Keeps a derived table from being merged into the query around it, which would
        # evaluate its expressions (lookups, JSON parsing) once per reference.
        self.fence = "OFFSET 0" if self.postgres else "LIMIT -1 OFFSET 0"
        self.histogram = "'[]'::jsonb" if self.postgres else "'[]'"

    def latest(self, table, key, columns):
        """The valid rows of a staging table, the last (by line) per `key` winning: one
        per key on PostgreSQL, where ON CONFLICT can't touch a row twice in a statement;
        in line order on SQLite, where each later row updates the one before."""
        if self.postgres:
            return (
                f"SELECT DISTINCT ON ({key}) {key}, {columns} FROM {table} "  # noqa: S608
                f"WHERE reason IS NULL ORDER BY {key}, lineno DESC"
            )
        return f"SELECT {key}, {columns} FROM {table} WHERE reason IS NULL ORDER BY lineno"  # noqa: S608

    def trim(self, expr):
        return f"{'btrim' if self.postgres else 'trim'}({expr}, {self.whitespace})"

    def imdb_id(self, expr, prefix):
        if self.postgres:
            return f"({expr} ~ '^{prefix}[0-9]{{1,10}}$')"
        # ltrim() with a set is several times cheaper than GLOB's character classes.
        return (
            f"(substr({expr}, 1, 2) = '{prefix}' AND length({expr}) BETWEEN 3 AND 12 "
            f"AND ltrim(substr({expr}, 3), '0123456789') = '')"
        )

    def digits(self, expr, most=18):
        """Only ASCII digits, at most `most` of them (so a cast to bigint can't fail)."""
        if self.postgres:
            return f"({expr} ~ '^[0-9]{{1,{most}}}$')"
        return f"({expr} != '' AND length({expr}) <= {most} AND ltrim({expr}, '0123456789') = '')"

    def number(self, expr, alias, low, high, what):
        """An optional integer field as IMDb writes it: (SQL of its value, to select AS
        `alias`; CASE branches giving the reason it's malformed, over `alias`)."""
        value = f"CASE WHEN {self.digits(expr)} THEN CAST({expr} AS bigint) END"
        return value, (
            f"WHEN {alias} IS NULL AND {expr} NOT IN ('\\N', '') "
            f"THEN '{what} is not a number: ' || {quoted(expr)} "
            f"WHEN {alias} NOT BETWEEN {low} AND {high} THEN '{what} out of range: ' || {alias}"
        )

    def differs(self, a, b):
        return f"{a} IS DISTINCT FROM {b}" if self.postgres else f"{a} IS NOT {b}"

    def slug_range(self, column, stem):
        """`column` starts with `stem` + "-": a range over the slug's B-tree index. Slugs are
        [a-z0-9_-], and "." sorts right after "-" byte-wise (PostgreSQL's pattern operators
        compare bytes whatever the collation, and its _like index serves them)."""
        if self.postgres:
            return f"{column} ~>~ ({stem} || '-') AND {column} ~<~ ({stem} || '.')"
        return f"{column} > {stem} || '-' AND {column} < {stem} || '.'"

    def greatest(self, a, b):
        return f"{'GREATEST' if self.postgres else 'max'}({a}, {b})"

    def characters(self, expr):
        """IMDb's JSON list of character names as "A / B", or NULL when it isn't one."""
        inner = f"substr({expr}, 3, length({expr}) - 4)"
        if self.postgres:
            # Only what PostgreSQL's JSON parser accepts gets to it: a cast error would fail
            # the batch. (Escaped NULs and surrogates are refused: IMDb writes UTF-8.)
            string = (
                r'"(?:[^"\\\x01-\x1f]|\\(?:["\\/bfnrt]|u(?!0000)(?![dD][89a-fA-F])'
                r'[0-9a-fA-F]{4}))*"'
            )
            space = r"[ \t\n\r]*"
            array = rf"^{space}\[{space}(?:{string}(?:{space},{space}{string})*)?{space}\]{space}$"
            return (
                f"CASE WHEN {expr} IN ('\\N', '') THEN '' "
                f'WHEN {expr} ~ \'^\\["[^"\\\\\\x01-\\x1f]*"\\]$\' '
                f"THEN {self.trim(inner)} "
                f"WHEN {expr} ~ '{array}' THEN COALESCE((SELECT string_agg("
                f"{self.trim('e')}, ' / ' ORDER BY n) FROM json_array_elements_text("
                f"{expr}::json) WITH ORDINALITY AS x(e, n)), '') END"
            )
        # One name without escapes, IMDb's usual ["Name"], needs no json_each().
        plain = (
            f"substr({expr}, 1, 2) = '[\"' AND substr({expr}, -2) = '\"]' "
            f"AND instr({inner}, '\"') = 0 AND instr({inner}, char(92)) = 0"
        )
        return (
            f"CASE WHEN {expr} IN ('\\N', '') THEN '' WHEN NOT json_valid({expr}) THEN NULL "
            f"WHEN {plain} THEN {self.trim(inner)} "
            f"WHEN json_type({expr}) = 'array' AND NOT EXISTS "
            f"(SELECT 1 FROM json_each({expr}) WHERE type != 'text') "
            f"THEN COALESCE((SELECT group_concat({self.trim('value')}, ' / ') FROM "
            f"(SELECT value FROM json_each({expr}) ORDER BY key)), '') END"
        )

    def name_ids(self, expr):
        """A comma-separated list of IMDb name ids."""
        if self.postgres:
            return f"({expr} ~ '^nm[0-9]{{1,10}}(,nm[0-9]{{1,10}})*$')"
        return (
            f"(CASE WHEN ltrim({expr}, 'nm0123456789,') != '' THEN 0 ELSE NOT EXISTS "
            f"(SELECT 1 FROM {self._split_ids(expr)} WHERE NOT {self.imdb_id('value', 'nm')}) END)"
        )

    def _split_ids(self, expr):
        # Only for strings of [nm0-9,], which make valid JSON this way.
        return f"json_each('[\"' || replace({expr}, ',', '\",\"') || '\"]')"

    def explode_ids(self, expr, alias):
        """A table source of (value, position from 0) for a comma-separated id list."""
        if self.postgres:
            return (
                f"unnest(string_to_array({expr}, ',')) WITH ORDINALITY AS {alias}(value, n)",
                f"{alias}.n - 1",
            )
        return f"{self._split_ids(expr)} AS {alias}", f"{alias}.key"


def quoted(expr):
    return f"'''' || substr({expr}, 1, 40) || ''''"


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


@dataclass
class Batch:
    """Consecutive lines of a file. `lines[i]` is line `first + i` (None where the reader
    rejected or dropped it). `text` is set when every line is well formed and the columns
    are in IMDb's order: the batch can then be staged without touching lines one by one."""

    first: int
    lines: list
    text: str | None
    read: int
    rejects: list = field(default_factory=list)

    def line(self, lineno):
        return self.lines[lineno - self.first] or ""


class TsvReader:
    """Batches of lines of one dataset file, tracking how far through the (compressed)
    file it is, for the progress bar."""

    def __init__(self, name, path):
        self.name = name
        self.path = Path(path)
        self.size = max(1, os.path.getsize(self.path))
        self.raw = open(self.path, "rb")  # noqa: SIM115 - closed in close()
        if self._is_gzip():
            # Iterating a GzipFile runs Python code per line; a buffer over it doesn't.
            self.stream = io.BufferedReader(gzip.GzipFile(fileobj=self.raw), 1 << 20)
        else:
            self.stream = self.raw
        header = self.stream.readline().decode("utf-8-sig").rstrip("\r\n").split("\t")
        missing = [c for c in FILES[name] if c not in header]
        if missing:
            self.close()
            raise ValueError(f"{self.path.name}: header lacks {', '.join(missing)}")
        self.width = len(header)
        self.indexes = [header.index(c) for c in FILES[name]]
        self.in_order = header == list(FILES[name])

    def _is_gzip(self):
        magic = self.raw.read(2)
        self.raw.seek(0)
        return magic == b"\x1f\x8b"

    @property
    def fraction(self):
        return min(1.0, self.raw.tell() / self.size)

    def fields(self, line):
        values = line.split("\t")
        return values if self.in_order else [values[i] for i in self.indexes]

    def batches(self, size):
        lineno = 2  # the header is line 1
        tabs = self.width - 1
        while raw := list(islice(self.stream, size)):
            first, lineno = lineno, lineno + len(raw)
            try:
                text = b"".join(raw).decode("utf-8")
            except UnicodeDecodeError:
                text = None
            if text is not None and self.in_order and "\r" not in text and "\x00" not in text:
                if not text.endswith("\n"):
                    text += "\n"
                lines = text.split("\n")
                lines.pop()
                if list(map(str.count, lines, repeat("\t"))).count(tabs) == len(lines):
                    yield Batch(first, lines, text, len(lines))
                    continue
            yield self._checked(first, raw)

    def _checked(self, first, raw):
        """The slow path, line by line, for batches with something wrong in them."""
        batch = Batch(first, [], None, 0)
        for lineno, data in enumerate(raw, start=first):
            line = None
            try:
                text = data.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                batch.rejects.append((lineno, "not valid UTF-8", data))
                batch.read += 1
            else:
                found = text.count("\t") + 1
                if found != self.width:
                    if text.strip():  # blank lines are no rows
                        batch.rejects.append(
                            (lineno, f"expected {self.width} fields, found {found}", data)
                        )
                        batch.read += 1
                elif "\x00" in text:
                    batch.rejects.append((lineno, "contains a NUL character", data))
                    batch.read += 1
                else:
                    line = text
                    batch.read += 1
            batch.lines.append(line)
        return batch

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


def slug_bases(texts, fallback):
    """The readable part of a slug for each text, as models.unique_slug makes it."""
    return [s[:80].strip("-") or fallback for s in _slugify_many(texts)]


_SLUG_DROPPED = re.compile(r"[^\w\s-]")
_SLUG_DASHES = re.compile(r"(?:-|[^\S\n])+")
_SLUG_ENDS = re.compile(r"^[-_]+|[-_]+$", re.MULTILINE)


def _slugify_many(texts):
    """[slugify(t) for t in texts], the same strings, computed over all texts at once."""
    texts = list(texts)
    if not texts or any("\n" in t for t in texts):
        return [slugify(t) for t in texts]
    data = unicodedata.normalize("NFKD", "\n".join(texts)).encode("ascii", "ignore").decode()
    data = _SLUG_DASHES.sub("-", _SLUG_DROPPED.sub("", data.lower()))
    return _SLUG_ENDS.sub("", data).split("\n")


class Importer:
    """One import run. `stderr` is a text stream for the progress bar (or None)."""

    STEPS = (
        ("title.ratings", "_ratings"),
        ("title.basics", "_basics"),
        ("title.akas", "_akas"),
        ("name.basics", "_names"),
        ("title.principals", "_principals"),
        ("title.crew", "_crew"),
    )

    def __init__(self, directory, *, rejects_path=None, batch_size=DEFAULT_BATCH_SIZE, stderr=None):
        self.directory = Path(directory)
        self.files = find_files(self.directory)
        self.batch_size = batch_size
        self.rejects_path = Path(rejects_path or self.directory / "import_imdb.rejects.tsv")
        self._rejects = None
        self.stderr = stderr
        self.stats = {}
        self.tidy_seconds = 0.0
        self.sql = Dialect(connection.vendor)
        self.named_people = 0  # people created with their name from name.basics
        self.films_given_votes = 0  # films created with their title.ratings vote count

    # --- plumbing -----------------------------------------------------------------------

    def run(self):
        try:
            with self._session():
                for name, step in self.STEPS:
                    if name in self.files:
                        self._stream(name, getattr(self, step))
                if "title.ratings" in self.stats:
                    with transaction.atomic():
                        self._apply_ratings(self.stats["title.ratings"])
                        bump_after_commit(catalog=True)
                if "name.basics" in self.stats:
                    names = self.stats["name.basics"]
                    names.created = self.named_people
                    names.skipped = max(
                        0,
                        names.read
                        - names.rejected
                        - names.created
                        - names.updated
                        - names.unchanged,
                    )
            self.tidy_search_indexes()
        finally:
            if self._rejects:
                self._rejects.close()
        return self.stats

    @contextmanager
    def _session(self):
        """TEMP tables for the run, and (SQLite, outside a transaction) a bigger page cache,
        no fsync and no foreign key lookups while importing: a crash can lose only batches
        not yet committed, which a re-run imports again. Everything is put back afterwards."""
        restore = []
        with connection.cursor() as cursor:
            if not self.sql.postgres and not connection.in_atomic_block:
                for pragma, value in (
                    ("synchronous", "OFF"),
                    ("cache_size", "-65536"),
                    ("temp.cache_size", "-16384"),
                    # Every row the importer writes is joined to its parents inside the
                    # same write transaction, which no other writer can interleave with:
                    # the per-row foreign key lookups (a third of a credit's cost) are moot.
                    ("foreign_keys", "OFF"),
                ):
                    cursor.execute(f"PRAGMA {pragma}")
                    restore.append((pragma, cursor.fetchone()[0]))
                    cursor.execute(f"PRAGMA {pragma} = {value}")
            if self.sql.postgres:
                restore += self._skip_postgres_fk_checks(cursor)
                cursor.execute("CREATE TEMP SEQUENCE IF NOT EXISTS imdb_lineno")
            for table, columns in TEMP_TABLES.items():
                if self.sql.postgres and table.startswith("imdb_in_"):
                    # Numbered by COPY in file order: see _stage.
                    columns = ["lineno integer DEFAULT nextval('imdb_lineno')", *columns[1:]]
                cursor.execute(f"DROP TABLE IF EXISTS {self._temp(table)}")
                cursor.execute(f"CREATE TEMP TABLE {table} ({', '.join(columns)})")
            # Slug lookups are equality and prefix ranges (pattern operators on PostgreSQL).
            opclass = " text_pattern_ops" if self.sql.postgres else ""
            cursor.execute(f"CREATE INDEX imdb_new_slug ON imdb_new (slug{opclass})")
        try:
            yield
        finally:
            try:
                with connection.cursor() as cursor:
                    for table in TEMP_TABLES:
                        cursor.execute(f"DROP TABLE IF EXISTS {self._temp(table)}")
                    if self.sql.postgres:
                        cursor.execute("DROP SEQUENCE IF EXISTS imdb_lineno")
                    for setting, value in restore:
                        if self.sql.postgres:
                            cursor.execute(f"SET {setting} = {value}")
                        else:
                            cursor.execute(f"PRAGMA {setting} = {value}")
            except DatabaseError:
                pass  # a broken connection takes its TEMP tables and settings with it

    def _skip_postgres_fk_checks(self, cursor):
        """PostgreSQL checks each inserted credit, title and genre row against its parents
        with a trigger that locks the parent row: a fifth of the import's time. As on SQLite
        (foreign_keys OFF) the importer skips them: every row it writes comes from a join to
        its parents in the same transaction. `session_replication_role = replica` turns off
        the session's triggers; it needs a superuser or (PostgreSQL 15+) a grant of SET on
        it. Without one, the checks run. The importer writes only tables of the films app,
        which have no triggers of their own on PostgreSQL. Returns what to restore."""
        cursor.execute("SHOW session_replication_role")
        (previous,) = cursor.fetchone()
        try:
            with transaction.atomic():  # a savepoint inside a transaction
                cursor.execute("SET session_replication_role = replica")
        except DatabaseError:
            return []
        return [("session_replication_role", previous)]

    def _temp(self, table):
        return table if self.sql.postgres else f"temp.{table}"

    def tidy_search_indexes(self):
        """After bulk writes: PostgreSQL's GIN indexes keep new entries in a pending list
        that every search scans until it is merged (searches were 10x slower before);
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
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "backslashreplace")
        row = raw.rstrip("\r\n")[:500].replace("\t", "\\t")
        self._rejects.write(f"{name}\t{lineno}\t{reason}\t{row}\n")

    def _stream(self, name, step):
        stats = self.stats[name] = FileStats()
        reader = TsvReader(name, self.files[name])
        progress = Progress(self.stderr, name) if self.stderr else None
        started = time.monotonic()
        try:
            for batch in reader.batches(self.batch_size):
                self._flush(name, reader, step, batch)
                if progress:
                    progress.update(stats.read, reader.fraction)
        finally:
            reader.close()
        stats.seconds = time.monotonic() - started
        if progress:
            progress.finish(stats.read)

    def _flush(self, name, reader, step, batch):
        stats = self.stats[name]
        stats.read += batch.read
        for lineno, reason, raw in batch.rejects:
            self._reject(name, lineno, reason, raw)
        with transaction.atomic(), self._bulk_search_index():
            with connection.cursor() as cursor:
                tables = [t for t in TEMP_TABLES if t not in RUN_TABLES]
                if self.sql.postgres:
                    # Committing a batch needn't wait for the disk: a crash loses at most the
                    # last batches, which a re-run imports again.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    cursor.execute(f"TRUNCATE {', '.join(tables)}")
                else:
                    for table in tables:
                        cursor.execute(f"DELETE FROM temp.{table}")
            self._stage(name, reader, batch)
            step(batch, stats)
            # Written with SQL, not through models: no save signal moves the content
            # version, so cached pages would go on showing the catalog as it was.
            bump_after_commit(catalog=True)

    def _stage(self, name, reader, batch):
        """The batch's fields into imdb_in_<file>, numbered by line."""
        columns = [c.lower() for c in FILES[name]]
        table = staging_table(name)
        with connection.cursor() as cursor:
            if self.sql.postgres:
                if batch.text is not None:
                    # The file is COPY's text format already, but for backslashes: doubled,
                    # a "\N" arrives as those two characters, like on SQLite.
                    cursor.execute("SELECT setval('imdb_lineno', %s, false)", [batch.first])
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        copy.write(batch.text.replace("\\", "\\\\"))
                else:
                    with cursor.copy(
                        f"COPY {table} (lineno, {', '.join(columns)}) FROM STDIN"
                    ) as copy:
                        for lineno, line in enumerate(batch.lines, start=batch.first):
                            if line is not None:
                                copy.write_row((lineno, *reader.fields(line)))
                return
            if batch.text is None:
                rows = [
                    (lineno, *reader.fields(line))
                    for lineno, line in enumerate(batch.lines, start=batch.first)
                    if line is not None
                ]
                self._insert_values(table, ["lineno", *columns], list(chain.from_iterable(rows)))
                return
            # The fields of the whole batch from one split; lineno is the rowid, and a row
            # placed just before makes SQLite number these from batch.first on.
            values = batch.text[:-1].replace("\n", "\t").split("\t")
            cursor.execute(f"INSERT INTO temp.{table} (lineno) VALUES (%s)", [batch.first - 1])
            self._insert_values(table, columns, values)
            cursor.execute(f"DELETE FROM temp.{table} WHERE lineno = %s", [batch.first - 1])

    def _insert_values(self, table, columns, values):
        """SQLite: rows, flattened into `values`, into a TEMP table, 500 rows per statement
        on the driver's own connection: binding is the cost, and this is four times less
        than executemany() through Django's cursor. (Statements of one size only: the
        driver caches each distinct one, and big ones weigh megabytes.)"""
        width = len(columns)
        insert = f"INSERT INTO temp.{table} ({', '.join(columns)}) VALUES "
        row = f"({', '.join(['?'] * width)})"
        step = 500 * width
        whole = len(values) - len(values) % step
        connection.ensure_connection()
        database = connection.connection
        statement = insert + ", ".join([row] * 500)
        for start in range(0, whole, step):
            database.execute(statement, values[start : start + step])
        rest = values[whole:]
        database.executemany(insert + row, zip(*[iter(rest)] * width, strict=True))

    def _execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.rowcount

    def _fetch(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def _load(self, table, columns, rows):
        """Python rows into a TEMP table."""
        if not rows:
            return
        with connection.cursor() as cursor:
            if self.sql.postgres:
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                self._insert_values(table, columns, list(chain.from_iterable(rows)))

    def _collect(self, name, table, batch, stats):
        """Write the rows validation refused to the rejects file; count the skipped ones."""
        for lineno, reason in self._fetch(
            f"SELECT lineno, reason FROM {table} WHERE reason IS NOT NULL ORDER BY lineno"
        ):
            self._reject(name, lineno, reason, batch.line(lineno))
        (skipped,) = self._fetch(
            f"SELECT count(*) FROM {table} WHERE reason IS NULL AND skipped = 1"
        )[0]
        stats.skipped += skipped

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

    def _insert_search_titles(self, rows):
        """(film_id, text) rows into FilmTitle, ignoring those it has."""
        rows = sorted({(film_id, text[:255]) for film_id, text in rows if text})
        if rows:
            self._load("imdb_text", ["film_id", "text"], rows)
            self._execute(
                "INSERT INTO films_filmtitle (film_id, text) SELECT film_id, text "
                "FROM imdb_text WHERE true ON CONFLICT DO NOTHING"
            )
            self._execute("DELETE FROM imdb_text")

    def _assign_slugs(self, table):
        """Give each imdb_new row with a base a slug free in `table` and among the rows:
        its base ("her"), else base-extra ("her-2013"), else that stem numbered past the
        highest number below 1000 it has ("her-2013-2"). Rows are served in file order,
        set-based a batch at a time, so a run is repeatable and existing rows never change
        slug. (One exception to file order: within a batch a bare base beats a base-extra,
        so "Her 2013" may take "her-2013" before Her (2013), which then gets a number.)"""
        todo = "slug IS NULL AND base IS NOT NULL"
        self._execute(
            f"""
            UPDATE imdb_new SET slug = base WHERE pos IN (
                SELECT min(pos) FROM imdb_new n WHERE {todo}
                AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.slug = n.base)
                GROUP BY base)"""
        )
        self._execute(
            f"""
            UPDATE imdb_new SET slug = base || '-' || extra WHERE pos IN (
                SELECT min(pos) FROM imdb_new n WHERE {todo} AND extra IS NOT NULL
                AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.slug = n.base || '-' || n.extra)
                AND NOT EXISTS (SELECT 1 FROM imdb_new y WHERE y.slug = n.base || '-' || n.extra)
                GROUP BY base, extra)"""
        )
        stem = "CASE WHEN extra IS NULL THEN base ELSE base || '-' || extra END"
        self._execute("DELETE FROM imdb_stem")
        self._execute(
            f"INSERT INTO imdb_stem (stem, top) SELECT DISTINCT {stem}, 1 "
            f"FROM imdb_new WHERE {todo}"
        )
        # Numbers below 1000 only: "her-2013" is Her (2013), not the 2013th "her".
        self._raise_stem_tops(table, "true", most=3)
        while True:
            self._execute("DELETE FROM imdb_numbered")
            self._execute(
                f"""
                INSERT INTO imdb_numbered (pos, stem, slug)
                SELECT n.pos, s.stem, s.stem || '-' || (s.top + row_number()
                    OVER (PARTITION BY s.stem ORDER BY n.pos))
                FROM imdb_new n JOIN imdb_stem s ON s.stem = {stem}
                WHERE n.slug IS NULL AND n.base IS NOT NULL"""
            )
            self._execute(
                "UPDATE imdb_new SET slug = m.slug FROM imdb_numbered m WHERE m.pos = imdb_new.pos"
            )
            # A number can still meet a slug in use ("ana-becker-1000", or one made from a
            # title): those rows go round again, numbered past every number of their stem.
            clashes = self._execute(
                f"""
                UPDATE imdb_new SET slug = NULL WHERE pos IN (
                    SELECT m.pos FROM imdb_numbered m
                    WHERE EXISTS (SELECT 1 FROM {table} x WHERE x.slug = m.slug)
                    OR EXISTS (
                        SELECT 1 FROM imdb_new y WHERE y.slug = m.slug AND y.pos != m.pos))"""
            )
            if not clashes:
                break
            self._execute(
                "UPDATE imdb_stem SET top = top + (SELECT count(*) FROM imdb_numbered m "
                "WHERE m.stem = imdb_stem.stem)"
            )
            self._raise_stem_tops(
                table,
                "stem IN (SELECT m.stem FROM imdb_numbered m JOIN imdb_new n ON n.pos = m.pos "
                "WHERE n.slug IS NULL)",
                most=18,
            )

    def _raise_stem_tops(self, table, where, most):
        """imdb_stem.top: at least the highest number (of at most `most` digits) that
        slugs of the stem already end with, in `table` or among the new rows."""
        sql = self.sql
        suffix = "substr(x.slug, length(imdb_stem.stem) + 2)"
        for source in (table, "imdb_new"):
            highest = (
                f"SELECT max(CAST({suffix} AS bigint)) FROM {source} x "
                f"WHERE {sql.slug_range('x.slug', 'imdb_stem.stem')} "
                f"AND {sql.digits(suffix, most=most)}"
            )
            self._execute(
                f"UPDATE imdb_stem SET top = {sql.greatest('top', f'COALESCE(({highest}), 0)')} "
                f"WHERE {where}"
            )

    def _count(self, source):
        return self._fetch(f"SELECT count(*) FROM {source}")[0][0]

    def _now(self):
        return connection.ops.adapt_datetimefield_value(timezone.now())

    # --- title.basics -------------------------------------------------------------------

    def _basics(self, batch, stats):
        sql = self.sql
        year, year_reason = sql.number("startyear", "year_n", 1870, 2100, "startYear")
        minutes, minutes_reason = sql.number(
            "runtimeminutes", "minutes_n", 0, 32767, "runtimeMinutes"
        )
        movie = "titletype = 'movie' AND isadult = '0'"
        self._execute(
            f"""
            INSERT INTO imdb_title (lineno, tconst, film_id, title, original, release_year,
                minutes, genres, reason, skipped)
            SELECT lineno, tconst, film_id, title,
                CASE WHEN original = title THEN '' ELSE original END,
                year_n, minutes_n, genres,
                CASE
                    WHEN NOT {sql.imdb_id("tconst", "tt")}
                        THEN 'not an IMDb title id: ' || {quoted("tconst")}
                    WHEN isadult NOT IN ('0', '1')
                        THEN 'isAdult must be 0 or 1, not ' || {quoted("isadult")}
                    WHEN skipped = 1 THEN NULL
                    WHEN primarytitle = '\\N' OR title = '' THEN 'primaryTitle is empty'
                    {year_reason}
                    {minutes_reason}
                END,
                skipped
            FROM (
                SELECT lineno, tconst, isadult, primarytitle, startyear, runtimeminutes,
                    CASE WHEN {movie} THEN 0 ELSE 1 END AS skipped,
                    substr({sql.trim("primarytitle")}, 1, 255) AS title,
                    CASE WHEN originaltitle = '\\N' THEN ''
                        ELSE substr({sql.trim("originaltitle")}, 1, 255) END AS original,
                    {year} AS year_n,
                    {minutes} AS minutes_n,
                    CASE WHEN genres NOT IN ('\\N', '') THEN genres END AS genres,
                    CASE WHEN {movie}
                        THEN (SELECT f.id FROM films_film f WHERE f.imdb_id = tconst) END
                        AS film_id
                FROM imdb_in_basics {sql.fence}
            ) parsed"""
        )
        self._collect("title.basics", "imdb_title", batch, stats)
        kept = "reason IS NULL AND skipped = 0"

        # Films IMDb retitled need their search titles redone; the others only new facts.
        # The release date is a local fact IMDb doesn't have: when set, it owns the year.
        retitled = [
            film_id
            for (film_id,) in self._fetch(
                "SELECT f.id FROM imdb_title t JOIN films_film f ON f.id = t.film_id "
                f"WHERE t.{kept} AND (f.title != t.title OR f.original_title != t.original)"
            )
        ]
        updated = self._execute(
            f"""
            UPDATE films_film SET title = t.title, original_title = t.original,
                year = CASE WHEN films_film.release_date IS NULL THEN t.release_year
                    ELSE films_film.year END,
                runtime_minutes = t.minutes, updated = %s
            FROM imdb_title t
            WHERE t.{kept} AND t.film_id = films_film.id AND (
                films_film.title != t.title OR films_film.original_title != t.original
                OR {sql.differs("films_film.runtime_minutes", "t.minutes")}
                OR (films_film.release_date IS NULL
                    AND {sql.differs("films_film.year", "t.release_year")}))""",
            [self._now()],
        )
        if retitled:
            reindex_films(retitled)

        new = self._fetch(
            "SELECT lineno, tconst, title, original, release_year FROM imdb_title "
            f"WHERE {kept} AND film_id IS NULL ORDER BY lineno"
        )
        created = []
        if new:
            bases = slug_bases([row[2] for row in new], "untitled")
            self._load(
                "imdb_new",
                ["pos", "item", "base", "extra"],
                [
                    (lineno, tconst, base, None if year is None else str(year))
                    for (lineno, tconst, _title, _original, year), base in zip(
                        new, bases, strict=True
                    )
                ],
            )
            self._assign_slugs("films_film")
            now = self._now()
            created = self._fetch(
                f"""
                INSERT INTO films_film (title, original_title, slug, tagline, overview, year,
                    runtime_minutes, poster, imdb_id, imdb_votes, created, updated,
                    rating_count, review_count, rating_sum, rating_histogram)
                SELECT t.title, t.original, n.slug, '', '', t.release_year, t.minutes, '',
                    t.tconst, COALESCE(v.votes, 0), %s, %s, 0, 0, 0, {sql.histogram}
                FROM imdb_new n JOIN imdb_title t ON t.lineno = n.pos
                LEFT JOIN imdb_votes v ON v.tconst = t.tconst
                WHERE true ORDER BY n.pos
                ON CONFLICT DO NOTHING RETURNING id, imdb_id""",
                [now, now],
            )
            ids = {imdb_id: pk for pk, imdb_id in created}
            texts = normalize_many([row[2] for row in new] + [row[3] for row in new])
            self._insert_search_titles(
                (ids[row[1]], text)
                for row, text in zip(new + new, texts, strict=True)
                if row[1] in ids
            )
            if created and "title.ratings" in self.stats:
                self.films_given_votes += self._count(
                    "imdb_new n JOIN imdb_votes v ON v.tconst = n.item"
                )
        stats.created += len(created)
        stats.updated += updated
        stats.unchanged += self._count(f"imdb_title WHERE {kept}") - len(created) - updated
        self._genres()

    def _genres(self):
        """IMDb owns a film's genres: make each film's links exactly IMDb's list."""
        sql = self.sql
        listed = "t.reason IS NULL AND t.skipped = 0 AND t.genres IS NOT NULL"
        if sql.postgres:
            self._execute(
                "INSERT INTO imdb_genre (tconst, name) SELECT t.tconst, "
                f"substr({sql.trim('g')}, 1, 60) FROM imdb_title t, "
                f"unnest(string_to_array(t.genres, ',')) AS g WHERE {listed}"
            )
        else:
            self._execute(
                f"""
                WITH RECURSIVE parts (tconst, name, rest) AS (
                    SELECT t.tconst, NULL, t.genres || ',' FROM imdb_title t WHERE {listed}
                    UNION ALL
                    SELECT tconst, substr(rest, 1, instr(rest, ',') - 1),
                        substr(rest, instr(rest, ',') + 1) FROM parts WHERE rest != ''
                )
                INSERT INTO imdb_genre (tconst, name)
                SELECT tconst, substr({sql.trim("name")}, 1, 60) FROM parts
                WHERE name IS NOT NULL"""
            )
        self._execute("DELETE FROM imdb_genre WHERE name = ''")
        for (name,) in self._fetch(
            "SELECT DISTINCT name FROM imdb_genre g WHERE NOT EXISTS "
            "(SELECT 1 FROM films_genre x WHERE x.name = g.name) ORDER BY name"
        ):
            base = slugify(name)[:55].strip("-") or "genre"
            slug, number = base, 1
            while Genre.objects.filter(slug=slug).exists():
                number += 1
                slug = f"{base}-{number}"
            Genre.objects.create(name=name, slug=slug)
        self._execute(
            """
            DELETE FROM films_film_genres WHERE film_id IN (
                SELECT film_id FROM imdb_title
                WHERE reason IS NULL AND skipped = 0 AND film_id IS NOT NULL
            ) AND NOT EXISTS (
                SELECT 1 FROM imdb_genre g JOIN films_film f ON f.imdb_id = g.tconst
                JOIN films_genre x ON x.name = g.name
                WHERE f.id = films_film_genres.film_id AND x.id = films_film_genres.genre_id)"""
        )
        self._execute(
            "INSERT INTO films_film_genres (film_id, genre_id) SELECT f.id, x.id "
            "FROM imdb_genre g JOIN films_film f ON f.imdb_id = g.tconst "
            "JOIN films_genre x ON x.name = g.name WHERE true ON CONFLICT DO NOTHING"
        )

    # --- title.akas ---------------------------------------------------------------------

    def _akas(self, batch, stats):
        sql = self.sql
        self._execute(
            f"""
            INSERT INTO imdb_aka (lineno, film_id, title, language, region, reason, skipped)
            SELECT lineno, film_id, title, language, region,
                CASE
                    WHEN film_id IS NULL AND NOT {sql.imdb_id("titleid", "tt")}
                        THEN 'not an IMDb title id: ' || {quoted("titleid")}
                    WHEN raw_title = '\\N' OR title = '' THEN 'title is empty'
                    WHEN length(region) > 4 THEN 'region too long: ' || {quoted("region")}
                    WHEN length(language) > 8
                        THEN 'language too long: ' || {quoted("language")}
                END,
                CASE WHEN film_id IS NULL THEN 1 ELSE 0 END
            FROM (
                SELECT lineno, titleid, title AS raw_title,
                    substr({sql.trim("title")}, 1, 255) AS title,
                    CASE WHEN region = '\\N' THEN '' ELSE upper({sql.trim("region")}) END
                        AS region,
                    CASE WHEN language = '\\N' THEN '' ELSE lower({sql.trim("language")}) END
                        AS language,
                    -- The original title is the film's own: not an alternative one.
                    CASE WHEN isoriginaltitle != '1'
                        THEN (SELECT f.id FROM films_film f WHERE f.imdb_id = titleid) END
                        AS film_id
                FROM imdb_in_akas {sql.fence}
            ) parsed"""
        )
        self._collect("title.akas", "imdb_aka", batch, stats)
        kept = "reason IS NULL AND skipped = 0"
        inserted = self._fetch(
            f"""
            INSERT INTO films_alternativetitle (film_id, title, language, region)
            SELECT film_id, title, language, region FROM imdb_aka
            WHERE {kept} ORDER BY lineno
            ON CONFLICT DO NOTHING RETURNING film_id, title"""
        )
        stats.created += len(inserted)
        stats.unchanged += self._count(f"imdb_aka WHERE {kept}") - len(inserted)
        texts = normalize_many([title for _film_id, title in inserted])
        self._insert_search_titles(
            (film_id, text) for (film_id, _title), text in zip(inserted, texts, strict=True)
        )

    # --- name.basics --------------------------------------------------------------------

    def _names(self, batch, stats):
        sql = self.sql
        birth, birth_reason = sql.number("birthyear", "birth_n", 1, 2100, "birthYear")
        death, death_reason = sql.number("deathyear", "death_n", 1, 2100, "deathYear")
        self._execute(
            f"""
            INSERT INTO imdb_person (lineno, nconst, name, birth, death, reason, skipped)
            SELECT lineno, nconst, name, birth_n, death_n,
                CASE
                    WHEN NOT {sql.imdb_id("nconst", "nm")}
                        THEN 'not an IMDb name id: ' || {quoted("nconst")}
                    WHEN primaryname = '\\N' OR name = '' THEN 'primaryName is empty'
                    {birth_reason}
                    {death_reason}
                END,
                0
            FROM (
                SELECT lineno, nconst, primaryname, birthyear, deathyear,
                    substr({sql.trim("primaryname")}, 1, 200) AS name,
                    {birth} AS birth_n, {death} AS death_n
                FROM imdb_in_names {sql.fence}
            ) parsed"""
        )
        self._collect("name.basics", "imdb_person", batch, stats)
        # Kept for the run, to name people as they are credited; the last row for an id wins.
        latest = sql.latest("imdb_person", "nconst", "name, birth, death")
        self._execute(
            f"INSERT INTO imdb_name (nconst, name, birth, death) {latest} "
            "ON CONFLICT (nconst) DO UPDATE SET name = excluded.name, "
            "birth = excluded.birth, death = excluded.death"
        )

        # People already in the catalog (an earlier run): IMDb's facts, and a real slug for
        # those created before their name was known.
        matched = "imdb_person r JOIN films_person p ON p.imdb_id = r.nconst WHERE r.reason IS NULL"
        people = self._count(matched)
        if not people:
            return
        rows = self._fetch(
            f"""
            SELECT p.imdb_id, r.name, r.birth, r.death, p.search_name, p.slug = p.imdb_id
            FROM {matched} AND (p.name != r.name OR p.slug = p.imdb_id
                OR {sql.differs("p.birth_year", "r.birth")}
                OR {sql.differs("p.death_year", "r.death")})
            ORDER BY r.lineno"""
        )
        latest_rows = {row[0]: row for row in rows}
        rows = list(latest_rows.values())
        names = [row[1] for row in rows]
        search_names = [s[:200] for s in normalize_many(names)]
        bases = slug_bases(names, "person")
        self._load(
            "imdb_new",
            ["pos", "item", "base", "extra", "name", "birth", "death", "search_name", "reindex"],
            [
                (
                    pos,
                    nconst,
                    base if placeholder else None,
                    str(birth) if placeholder and birth else None,
                    name,
                    birth,
                    death,
                    search_name,
                    int(search_name != old_search_name),
                )
                for pos, (
                    (nconst, name, birth, death, old_search_name, placeholder),
                    base,
                    search_name,
                ) in enumerate(zip(rows, bases, search_names, strict=True))
            ],
        )
        self._assign_slugs("films_person")
        fts = not sql.postgres
        if fts:  # the FTS update trigger is off during the import: see _bulk_search_index
            self._execute(
                "INSERT INTO films_person_fts (films_person_fts, rowid, search_name) "
                "SELECT 'delete', p.id, p.search_name FROM imdb_new n "
                "JOIN films_person p ON p.imdb_id = n.item "
                "WHERE n.reindex = 1 AND p.search_name != ''"
            )
        updated = self._execute(
            "UPDATE films_person SET name = n.name, birth_year = n.birth, death_year = n.death, "
            "search_name = n.search_name, slug = COALESCE(n.slug, films_person.slug) "
            "FROM imdb_new n WHERE n.item = films_person.imdb_id"
        )
        if fts:
            self._execute(
                "INSERT INTO films_person_fts (rowid, search_name) "
                "SELECT p.id, p.search_name FROM imdb_new n "
                "JOIN films_person p ON p.imdb_id = n.item "
                "WHERE n.reindex = 1 AND p.search_name != ''"
            )
        stats.updated += updated
        stats.unchanged += people - updated

    # --- credits ------------------------------------------------------------------------

    def _principals(self, batch, stats):
        sql = self.sql
        ordering, ordering_reason = sql.number("ordering", "ord_n", 0, 32767, "ordering")
        self._execute(
            f"""
            INSERT INTO imdb_credit (lineno, film_id, nconst, role, character_name, ord,
                reason, skipped)
            SELECT lineno, film_id, nconst, role,
                CASE WHEN role = 'cast' THEN character_name ELSE '' END, COALESCE(ord_n, 0),
                CASE
                    WHEN film_id IS NULL AND NOT {sql.imdb_id("tconst", "tt")}
                        THEN 'not an IMDb title id: ' || {quoted("tconst")}
                    WHEN skipped = 1 THEN NULL
                    WHEN NOT {sql.imdb_id("nconst", "nm")}
                        THEN 'not an IMDb name id: ' || {quoted("nconst")}
                    {ordering_reason}
                    WHEN role = 'cast' AND character_name IS NULL
                        THEN 'characters is not a JSON list of names: '
                            || {quoted("characters")}
                END,
                skipped
            FROM (
                SELECT lineno, tconst, nconst, ordering, characters, role, film_id, ord_n,
                    CASE WHEN film_id IS NULL OR role IS NULL THEN 1 ELSE 0 END AS skipped,
                    CASE WHEN role = 'cast' AND film_id IS NOT NULL
                        THEN {sql.characters("characters")} END AS character_name
                FROM (
                    SELECT lineno, tconst, nconst, ordering, characters,
                        {ordering} AS ord_n,
                        CASE category WHEN 'actor' THEN 'cast' WHEN 'actress' THEN 'cast'
                            WHEN 'self' THEN 'cast' WHEN 'director' THEN 'director'
                            WHEN 'writer' THEN 'writer' END AS role,
                        CASE WHEN category IN ('actor', 'actress', 'self', 'director', 'writer')
                            THEN (SELECT f.id FROM films_film f WHERE f.imdb_id = tconst) END
                            AS film_id
                    FROM imdb_in_principals {sql.fence}
                ) looked_up {sql.fence}
            ) parsed"""
        )
        self._collect("title.principals", "imdb_credit", batch, stats)
        self._credits(stats)

    def _crew(self, batch, stats):
        sql = self.sql
        self._execute(
            f"""
            INSERT INTO imdb_crewline (lineno, film_id, directors, writers, reason, skipped)
            SELECT lineno, film_id, directors, writers,
                CASE
                    WHEN film_id IS NULL AND NOT {sql.imdb_id("tconst", "tt")}
                        THEN 'not an IMDb title id: ' || {quoted("tconst")}
                    WHEN film_id IS NULL THEN NULL
                    WHEN directors != '' AND NOT {sql.name_ids("directors")}
                        THEN 'directors: not a list of IMDb name ids: ' || {quoted("directors")}
                    WHEN writers != '' AND NOT {sql.name_ids("writers")}
                        THEN 'writers: not a list of IMDb name ids: ' || {quoted("writers")}
                END,
                CASE WHEN film_id IS NULL OR (directors = '' AND writers = '') THEN 1 ELSE 0 END
            FROM (
                SELECT lineno, tconst,
                    CASE WHEN directors = '\\N' THEN '' ELSE directors END AS directors,
                    CASE WHEN writers = '\\N' THEN '' ELSE writers END AS writers,
                    (SELECT f.id FROM films_film f WHERE f.imdb_id = tconst) AS film_id
                FROM imdb_in_crew {sql.fence}
            ) parsed"""
        )
        self._collect("title.crew", "imdb_crewline", batch, stats)
        for column, role in (("directors", "director"), ("writers", "writer")):
            source, position = sql.explode_ids(f"c.{column}", "j")
            self._execute(
                f"""
                INSERT INTO imdb_credit (lineno, film_id, nconst, role, character_name, ord,
                    skipped)
                SELECT c.lineno, c.film_id, j.value, '{role}', '', {position}, 0
                FROM imdb_crewline c, {source}
                WHERE c.reason IS NULL AND c.skipped = 0 AND c.{column} != ''"""
            )
        self._credits(stats)

    def _credits(self, stats):
        """imdb_credit's kept rows into Credit, creating the people first credited here."""
        kept = "reason IS NULL AND skipped = 0"
        self._create_people()
        inserted = self._execute(
            f"""
            INSERT INTO films_credit (film_id, person_id, role, "character", "order")
            SELECT c.film_id, p.id, c.role, c.character_name, c.ord
            FROM imdb_credit c JOIN films_person p ON p.imdb_id = c.nconst
            WHERE c.{kept} ON CONFLICT DO NOTHING"""
        )
        stats.created += inserted
        stats.unchanged += self._count(f"imdb_credit WHERE {kept}") - inserted

    def _create_people(self):
        """People credited in this batch and not in the catalog yet, named from name.basics
        (or, without it, by their IMDb id until a run with name.basics names them)."""
        new = self._fetch(
            """
            SELECT c.nconst, n.name, n.birth, n.death FROM (
                SELECT nconst, min(lineno) AS first FROM imdb_credit c
                WHERE reason IS NULL AND skipped = 0
                AND NOT EXISTS (SELECT 1 FROM films_person p WHERE p.imdb_id = c.nconst)
                GROUP BY nconst
            ) c LEFT JOIN imdb_name n ON n.nconst = c.nconst
            ORDER BY c.first, c.nconst"""
        )
        if not new:
            return
        names = [name or nconst for nconst, name, _birth, _death in new]
        search_names = normalize_many(names)
        bases = slug_bases(names, "person")
        self._load(
            "imdb_new",
            ["pos", "item", "base", "extra", "name", "birth", "death", "search_name"],
            [
                (
                    pos,
                    nconst,
                    base,
                    str(birth) if birth else None,
                    name or nconst,
                    birth,
                    death,
                    search_name[:200] if name else "",
                )
                for pos, ((nconst, name, birth, death), base, search_name) in enumerate(
                    zip(new, bases, search_names, strict=True)
                )
            ],
        )
        self._assign_slugs("films_person")
        self._execute(
            "INSERT INTO films_person (imdb_id, name, slug, search_name, biography, "
            "birth_year, death_year) SELECT item, name, slug, search_name, '', birth, death "
            "FROM imdb_new WHERE true ORDER BY pos ON CONFLICT DO NOTHING"
        )
        named = sum(1 for row in new if row[1] is not None)
        self.named_people += named
        if named < len(new):
            self.stats.setdefault("people", FileStats()).created += len(new) - named

    # --- title.ratings ------------------------------------------------------------------

    def _ratings(self, batch, stats):
        """Read first and kept for the run: new films are created with their vote count,
        which spares rewriting every film row (and all its indexes) a second time."""
        sql = self.sql
        votes, votes_reason = sql.number("numvotes", "votes_n", 0, 2_000_000_000, "numVotes")
        self._execute(
            f"""
            INSERT INTO imdb_rating (lineno, tconst, votes, reason, skipped)
            SELECT lineno, tconst, COALESCE(votes_n, 0),
                CASE
                    WHEN NOT {sql.imdb_id("tconst", "tt")}
                        THEN 'not an IMDb title id: ' || {quoted("tconst")}
                    {votes_reason}
                END,
                0
            FROM (
                SELECT lineno, tconst, numvotes, {votes} AS votes_n
                FROM imdb_in_ratings {sql.fence}
            ) parsed"""
        )
        self._collect("title.ratings", "imdb_rating", batch, stats)
        latest = sql.latest("imdb_rating", "tconst", "votes")
        self._execute(
            f"INSERT INTO imdb_votes (tconst, votes) {latest} "
            "ON CONFLICT (tconst) DO UPDATE SET votes = excluded.votes"
        )

    def _apply_ratings(self, stats):
        """Vote counts of films that existed before their title.basics batch (or before this
        run); counts: films given a new count, films whose count was IMDb's already, and
        ratings of titles that aren't imported films."""
        films = "imdb_votes v JOIN films_film f ON f.imdb_id = v.tconst"
        matched = self._count(films)
        changed = self._execute(
            "UPDATE films_film SET imdb_votes = v.votes FROM imdb_votes v "
            "WHERE v.tconst = films_film.imdb_id AND films_film.imdb_votes != v.votes"
        )
        stats.updated = changed + self.films_given_votes
        stats.unchanged = matched - stats.updated
        stats.skipped = stats.read - stats.rejected - matched
