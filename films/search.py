"""Typo-tolerant film and people search on the database's own engines.

Both vendors search the same normalized text (see `normalize`), stored in
`FilmTitle.text` (one row per distinct title of a film) and `Person.search_name`:

- SQLite: FTS5 virtual tables with the trigram tokenizer, kept in sync by triggers
  (migration 0003). Candidates are gathered with a MATCH over the query's trigrams, every
  term quoted so user input can never be FTS5 syntax.
- PostgreSQL: pg_trgm GIN indexes (`%`, `<%`, LIKE) and a full-text GIN index over the
  same columns; candidates are gathered there, ordered by similarity.

Candidates (a few hundred at most) are then ranked here in Python with one scorer, so
both databases rank alike: exact matches, then prefix matches, then whole-word substring
matches, then trigram similarity; ties and near-ties go to better-known films.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction

CANDIDATES = 200
# Stop widening the net once this many candidates are in hand: the cheap, precise tiers
# run first, the expensive fuzzy ones only when those find too little.
ENOUGH_CANDIDATES = 30
MAX_QUERY_LENGTH = 100
_YEAR = re.compile(r"^(18[89]\d|19\d\d|20\d\d)$")
_NON_WORD = re.compile(r"[\W_]+")
_GLUED_DIGITS = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")


def normalize(text):
    """Lowercase, accent-free, punctuation-free text with single spaces, digits split off
    letters: "Amélie" -> "amelie", "Love, Simon" -> "love simon",
    "Hotel Transylvania3" -> "hotel transylvania 3"."""
    if not text:
        return ""
    text = str(text)
    if not text.isascii():  # most titles are: skip the per-character work
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold()
    text = _GLUED_DIGITS.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


# normalize_many() works on many texts joined by newlines, one C-level pass per step:
# bulk imports normalize millions of titles and names, 2-3x faster this way.
_ASCII_WORD_BYTES = bytes(c if chr(c).isalnum() or c == 10 else 32 for c in range(128)).ljust(256)
_ASCII_DIGIT_RUNS = re.compile(rb"[0-9]+")
_DIGIT_RUNS = re.compile(r"\d+")
_NON_WORD_LINES = re.compile(r"(?:[^\w\n]|_)+")


@lru_cache(maxsize=1)
def _combining_marks():
    """A regex matching runs of combining characters of the Basic Multilingual Plane."""
    ranges, start = [], None
    for code in range(0x10001):
        combining = code < 0x10000 and unicodedata.combining(chr(code)) != 0
        if combining and start is None:
            start = code
        elif not combining and start is not None:
            ranges.append(f"\\u{start:04x}-\\u{code - 1:04x}")
            start = None
    return re.compile("[" + "".join(ranges) + "]+")


def normalize_many(texts):
    """[normalize(t) for t in texts], the same strings, computed in bulk. Spacing digit runs
    off everything around them and then collapsing spaces gives exactly what the glued-digits
    rule gives, since the other neighbours of a digit become spaces anyway."""
    texts = list(texts)
    if not texts or any("\n" in t for t in texts):
        return [normalize(t) for t in texts]
    result = [""] * len(texts)
    plain = [i for i, t in enumerate(texts) if t.isascii()]
    if plain:
        data = "\n".join([texts[i] for i in plain]).encode("ascii")
        data = data.lower().translate(_ASCII_WORD_BYTES)
        data = _ASCII_DIGIT_RUNS.sub(rb" \g<0> ", data)
        for i, line in zip(plain, data.decode("ascii").split("\n"), strict=True):
            result[i] = " ".join(line.split())
    if len(plain) < len(texts):
        other = [i for i, t in enumerate(texts) if not t.isascii()]
        data = unicodedata.normalize("NFKD", "\n".join([texts[i] for i in other]))
        if max(data) >= "\U00010000":  # combining marks beyond the BMP: rare, do it per text
            lines = [normalize(texts[i]) for i in other]
        else:
            data = _combining_marks().sub("", data).casefold()
            data = _NON_WORD_LINES.sub(" ", _DIGIT_RUNS.sub(r" \g<0> ", data))
            lines = [line.strip(" ") for line in data.split("\n")]
        for i, line in zip(other, lines, strict=True):
            result[i] = line
    return result


# --- keeping the index in sync -----------------------------------------------------------


def film_texts(film_title, original_title, alternative_titles):
    texts = {normalize(t)[:255] for t in (film_title, original_title, *alternative_titles)}
    texts.discard("")
    return texts


def reindex_films(film_ids):
    """Rewrite the search titles of these films from their current titles. The database
    triggers (SQLite) or indexes (PostgreSQL) follow the FilmTitle rows."""
    from .models import AlternativeTitle, Film, FilmTitle

    film_ids = list(set(film_ids))
    if not film_ids:
        return
    with transaction.atomic():
        wanted = {}
        for pk, title, original in Film.objects.filter(pk__in=film_ids).values_list(
            "pk", "title", "original_title"
        ):
            wanted[pk] = film_texts(title, original, [])
        for film_id, title in AlternativeTitle.objects.filter(film_id__in=film_ids).values_list(
            "film_id", "title"
        ):
            if film_id in wanted:
                wanted[film_id] |= film_texts(title, "", [])
        existing = {}
        for pk, film_id, text in FilmTitle.objects.filter(film_id__in=film_ids).values_list(
            "pk", "film_id", "text"
        ):
            existing[(film_id, text)] = pk
        keep = {(film_id, text) for film_id, texts in wanted.items() for text in texts}
        stale = [pk for key, pk in existing.items() if key not in keep]
        if stale:
            FilmTitle.objects.filter(pk__in=stale).delete()
        FilmTitle.objects.bulk_create(
            [FilmTitle(film_id=f, text=t) for (f, t) in sorted(keep - existing.keys())],
            batch_size=1000,
            ignore_conflicts=True,
        )


def rebuild_index(batch_size=2000, progress=None):
    """Re-derive every film's search titles and every person's search name."""
    from .models import Film, Person

    last = 0
    while True:
        ids = list(
            Film.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        reindex_films(ids)
        last = ids[-1]
        if progress:
            progress(len(ids))
    last = 0
    while True:
        people = list(
            Person.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("name", "search_name")[:batch_size]
        )
        if not people:
            break
        changed = [p for p in people if p.search_name != normalize(p.name)[:200]]
        for p in changed:
            p.search_name = normalize(p.name)[:200]
        Person.objects.bulk_update(changed, ["search_name"])
        last = people[-1].pk
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO films_filmtitle_fts(films_filmtitle_fts) VALUES('rebuild')")
            cursor.execute("INSERT INTO films_person_fts(films_person_fts) VALUES('rebuild')")


# --- scoring -----------------------------------------------------------------------------


@lru_cache(maxsize=50_000)
def trigrams(text):
    """pg_trgm-style trigrams: each word padded with two spaces before and one after."""
    grams = set()
    for word in text.split():
        padded = f"  {word} "
        grams |= {padded[i : i + 3] for i in range(len(padded) - 2)}
    return frozenset(grams)


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the whole normalized query
    words_text: str  # without a trailing or leading year, when there are other words
    year: int | None

    @property
    def variants(self):
        return {self.text, self.words_text}


def parse_query(raw):
    text = normalize((raw or "")[: MAX_QUERY_LENGTH * 2])[:MAX_QUERY_LENGTH].strip()
    words = text.split()
    year = None
    if len(words) > 1:
        for index in (-1, 0):
            if _YEAR.match(words[index]):
                year = int(words[index])
                del words[index]
                break
    return ParsedQuery(text=text, words_text=" ".join(words), year=year)


def match_tier(query, text):
    """0 exact, 1 prefix, 2 whole words inside, 3 anything else."""
    if text == query:
        return 0
    if text.startswith(query):
        return 1
    if f" {query} " in f" {text} ":
        return 2
    return 3


def similarity(query, text, query_grams=None):
    """Between 0 and 1: half trigram Jaccard (whole-string likeness), half the share of the
    query's trigrams found in the text (so a partial title still scores)."""
    q = query_grams if query_grams is not None else trigrams(query)
    t = trigrams(text)
    if not q or not t:
        return 0.0
    common = len(q & t)
    return 0.5 * common / len(q | t) + 0.5 * common / len(q)


def popularity_bonus(popularity):
    return 0.08 * min(1.0, math.log10(1 + popularity) / 6)


def score_texts(parsed, texts):
    """(tier, similarity) of the best of a film's titles for this query."""
    best = (4, 0.0)
    for variant in parsed.variants:
        if not variant:
            continue
        grams = trigrams(variant)
        for text in texts:
            tier = match_tier(variant, text)
            sim = 1.0 if tier == 0 else similarity(variant, text, grams)
            if (tier, -sim) < (best[0], -best[1]):
                best = (tier, sim)
    return best


# --- candidate gathering, per vendor -----------------------------------------------------


def _fts_phrase(term):
    return '"' + term.replace('"', '""') + '"'


def _grams(word, n):
    return sorted({word[i : i + n] for i in range(len(word) - n + 1)})


def substring_tiers(text):
    """Candidate filters, most selective (cheapest) first. Each tier is a list of groups
    that must all match; a group matches when the title contains any of its substrings:

    1. every word as a substring;
    2. every word by any of its 4-letter pieces (survives a typo in a long word);
    3. every word by any of its trigrams (survives a typo in a short word);
    4. all words but one, by trigrams (a word the title doesn't have: "the jumanji").

    Never an OR across words: on a big catalog that matches most rows. Words shorter than
    three letters can't be trigram-indexed and are left to the scorer (and the
    exact/prefix lookup). SQLite renders these as FTS5 MATCH expressions, PostgreSQL as
    LIKE patterns served by the pg_trgm GIN index."""
    words = [w for w in dict.fromkeys(text.split()) if len(w) >= 3][:8]
    if not words:
        return []
    tiers = [
        [[w] for w in words],
        [_grams(w, 4) if len(w) > 4 else [w] for w in words],
        [_grams(w, 3) for w in words],
    ]
    if len(words) > 1:
        # Longest words first: they carry the most meaning and match the fewest rows.
        by_length = sorted(words, key=len, reverse=True)[:5]
        for dropped in reversed(by_length):
            tiers.append([_grams(w, 3) for w in words if w != dropped])
    unique = []
    for tier in tiers:
        if tier not in unique:
            unique.append(tier)
    return unique


def _fts_expressions(tiers):
    """FTS5 MATCH expressions for substring_tiers(). Every term is a quoted phrase, so
    user input can never be FTS5 syntax."""
    return [
        " AND ".join("(" + " OR ".join(_fts_phrase(t) for t in group) + ")" for group in tier)
        for tier in tiers
    ]


def _sqlite_candidates(table, fts_table, id_column, text_column, parsed, tiers, limit):
    rows = []
    seen = set()
    with connection.cursor() as cursor:
        # Exact and prefix matches through the B-tree index on the text column.
        cursor.execute(
            f"SELECT {id_column}, {text_column} FROM {table} "  # noqa: S608 - fixed names
            f"WHERE {text_column} >= %s AND {text_column} < %s LIMIT %s",
            [parsed.words_text, parsed.words_text + "\U0010ffff", limit],
        )
        for row in cursor.fetchall():
            if row not in seen:
                seen.add(row)
                rows.append(row)
        if len(rows) >= ENOUGH_CANDIDATES:
            return rows
        for tier, expression in enumerate(_fts_expressions(tiers)):
            cursor.execute(
                f"SELECT t.{id_column}, t.{text_column} FROM {fts_table} "  # noqa: S608
                f"JOIN {table} t ON t.id = {fts_table}.rowid "
                f"WHERE {fts_table} MATCH %s LIMIT %s",
                [expression, limit],
            )
            for row in cursor.fetchall():
                if row not in seen:
                    seen.add(row)
                    rows.append(row)
            # Once typo-tolerant tiers start, any candidate at all is enough: the rest are guesses.
            if len(rows) >= ENOUGH_CANDIDATES or (rows and tier >= 1):
                break
    return rows


def _like(term):
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _postgres_candidates(table, id_column, text_column, parsed, tiers, limit):
    q = parsed.words_text
    rows = []
    seen = set()

    def collect(where, params):
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {id_column}, {text_column} FROM {table} "  # noqa: S608 - fixed names
                f"WHERE {where} LIMIT %s",
                [*params, limit],
            )
            for row in cursor.fetchall():
                if row not in seen:
                    seen.add(row)
                    rows.append(row)

    # Exact and prefix matches: the B-tree (varchar_pattern_ops) index.
    collect(f"{text_column} LIKE %s", [_like(q)[1:]])
    if len(rows) >= ENOUGH_CANDIDATES:
        return rows
    # Full-text, every word as a word prefix ("dark knig" finds "the dark knight"): the
    # GIN tsvector index. Short words only when there is nothing else.
    words = [w for w in q.split() if len(w) >= 3] or q.split()
    collect(
        f"to_tsvector('simple', {text_column}) @@ to_tsquery('simple', %s)",
        [" & ".join(f"{w}:*" for w in words)],
    )
    if len(rows) >= ENOUGH_CANDIDATES:
        return rows
    # Substrings, then typo-tolerant pieces: the pg_trgm GIN index serves LIKE '%...%'.
    for tier_number, tier in enumerate(tiers):
        clauses, params = [], []
        for group in tier:
            clauses.append("(" + " OR ".join([f"{text_column} LIKE %s"] * len(group)) + ")")
            params.extend(_like(t) for t in group)
        collect(" AND ".join(clauses), params)
        if len(rows) >= ENOUGH_CANDIDATES or (rows and tier_number >= 1):
            break
    return rows


def _candidates(kind, parsed, limit=CANDIDATES):
    if not parsed.words_text:
        return []
    if kind == "film":
        table, fts, id_column, text_column = (
            "films_filmtitle",
            "films_filmtitle_fts",
            "film_id",
            "text",
        )
    else:
        table, fts, id_column, text_column = (
            "films_person",
            "films_person_fts",
            "id",
            "search_name",
        )
    tiers = substring_tiers(parsed.words_text)
    if kind == "person":
        tiers = tiers[:3]  # names: no "drop a word" guesses, people type names whole
    if connection.vendor == "postgresql":
        return _postgres_candidates(table, id_column, text_column, parsed, tiers, limit)
    if connection.vendor == "sqlite":
        return _sqlite_candidates(table, fts, id_column, text_column, parsed, tiers, limit)
    raise NotImplementedError(f"search is not implemented for {connection.vendor}")


# --- public API --------------------------------------------------------------------------


MIN_SIMILARITY = 0.3


def rank_film_ids(query, limit=30):
    """Ids of the films that best match `query`, best first."""
    from .models import Film

    parsed = parse_query(query)
    by_film = {}
    for film_id, text in _candidates("film", parsed):
        by_film.setdefault(film_id, []).append(text)
    if not by_film:
        return []
    scored = {}
    for film_id, texts in by_film.items():
        tier, sim = score_texts(parsed, texts)
        if tier <= 2 or sim >= MIN_SIMILARITY:
            scored[film_id] = (tier, sim)
    facts = Film.objects.filter(pk__in=scored).values_list(
        "pk", "year", "rating_count", "imdb_votes", "title"
    )
    keyed = []
    for pk, year, rating_count, imdb_votes, title in facts:
        tier, sim = scored[pk]
        popularity = imdb_votes + 100 * rating_count
        score = sim + popularity_bonus(popularity)
        if parsed.year is not None:
            score += 0.15 if year == parsed.year else 0
            if tier == 0 and year != parsed.year:
                tier = 1
        keyed.append(((tier, -score, -popularity, title, pk), pk))
    keyed.sort()
    return [pk for _key, pk in keyed[:limit]]


def search_films(query, limit=30):
    """Films for `query`, best first, with what a result card shows (poster, year,
    directors, rating) in a constant number of queries."""
    from django.db.models import Prefetch

    from .models import Credit, Film

    ids = rank_film_ids(query, limit=limit)
    if not ids:
        return []
    films = Film.objects.with_stats().prefetch_related(
        Prefetch(
            "credits",
            queryset=Credit.objects.filter(role=Credit.Role.DIRECTOR)
            .select_related("person")
            .only("film_id", "role", "order", "person__name", "person__slug"),
        )
    )
    by_pk = films.in_bulk(ids)
    return [by_pk[pk] for pk in ids if pk in by_pk]


def search_people(query, limit=20):
    """People whose name matches `query`, best first."""
    from .models import Person

    parsed = parse_query(query)
    scored = {}
    for pk, text in _candidates("person", parsed):
        tier, sim = score_texts(parsed, [text])
        if tier <= 2 or sim >= 0.45:
            scored[pk] = (tier, -sim)
    people = Person.objects.in_bulk(list(scored)).values()
    return sorted(people, key=lambda p: (*scored[p.pk], p.name, p.pk))[:limit]
