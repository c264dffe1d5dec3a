"""Word search in review headlines and bodies, on the index built by migration 0007 (and,
on PostgreSQL, the stored document of 0008; see search_schema.py): every word of the query
must start a word of the review."""

import re
import unicodedata

from django.db import connection
from django.db.models.expressions import RawSQL

from .models import Review, Status

# A common word matches a large share of all reviews: only this many of the most recent
# matches are looked at (the page shows the most liked of them), so the page's own query
# joins and sorts a bounded number of rows. Finding them is the index's work: cheap for
# most words; on PostgreSQL a word common among recent reviews is found by walking them
# newest first, others in proportion to their number of matches (search_schema.py).
MATCH_LIMIT = 2000
MIN_WORD_LENGTH = 2  # a one-letter prefix matches nearly everything and means nothing
MAX_WORDS = 8
MAX_WORD_LENGTH = 60
_SEPARATORS = re.compile(r"[\W_]+")


def query_words(query):
    """The distinct words of `query`, at most MAX_WORDS of them, each made of letters and
    digits only, so no character of the query can ever be search syntax.

    Split where films.search.normalize splits (punctuation, spaces, underscores), but
    case and accents are left to the database, which folds the query the very way it
    folded the indexed text: folding here would disagree with it ("Straße" casefolds to
    "strasse"; PostgreSQL keeps accents, so "café" stripped to "cafe" would never match).
    Digits glued to letters stay glued, as the index keeps "mp3" and "r2d2" whole."""
    text = unicodedata.normalize("NFC", str(query or "")).lower()
    words = dict.fromkeys(
        word[:MAX_WORD_LENGTH] for word in _SEPARATORS.split(text) if len(word) >= MIN_WORD_LENGTH
    )
    return list(words)[:MAX_WORDS]


# SQLite: the published written reviews among the MATCH_LIMIT most recent that match (the
# FTS5 query goes in as a parameter), found from the matches outward. With the status
# filter outside this subquery SQLite walked every published review for ids in the list
# (without ANALYZE statistics it takes "status = ?" for ten rows): 120-200 ms at 1M
# reviews. CROSS JOIN keeps the matches as the outer loop. The conditions are
# ReviewQuerySet.published() and written(), which tests/test_review_search.py holds this to.
_SQLITE_MATCHING = (
    "SELECT r.id FROM (SELECT rowid FROM reviews_review_fts WHERE reviews_review_fts MATCH %s "
    "ORDER BY rowid DESC LIMIT %s) AS m "
    "CROSS JOIN reviews_review AS r ON r.id = m.rowid "
    "CROSS JOIN accounts_user AS u ON u.id = r.author_id "
    "WHERE r.status = %s AND r.body != '' AND u.is_active"
)
# PostgreSQL: the ids of the MATCH_LIMIT most recent reviews that match, on the stored
# document, from one prefix query per word: the function picks between walking the newest
# reviews and the GIN index, and which of the words the index looks up (see
# search_schema.py for why, and why not the planner).
_POSTGRES_MATCHING = "SELECT reviews_review_search_ids(ARRAY[{terms}]::tsquery[], %s)"
_POSTGRES_TERM = "to_tsquery('simple', %s)"


def postgres_matching_sql(words, max_matches=None):
    """PostgreSQL: the SQL and parameters of the call that returns the ids of the newest
    `max_matches` (default MATCH_LIMIT) reviews matching `words`: one 'word:*' query per
    word, which the function ANDs (it looks some of them up in the index alone). 'simple'
    keeps accents: "cafe" doesn't find "café" here."""
    if max_matches is None:
        max_matches = MATCH_LIMIT
    terms = ", ".join([_POSTGRES_TERM] * len(words))
    return _POSTGRES_MATCHING.format(terms=terms), [*(f"{w}:*" for w in words), max_matches]


def _matching_ids(words):
    """The ids of the MATCH_LIMIT most recent reviews having every word as a word prefix
    in the headline or the body, as a subquery; on SQLite, only the published written
    ones among them."""
    if connection.vendor == "sqlite":
        # Each word a quoted FTS5 phrase with a prefix star: "word"* AND "other"*.
        expression = " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)
        return RawSQL(  # noqa: S611 - fixed SQL
            _SQLITE_MATCHING, [expression, MATCH_LIMIT, Status.PUBLISHED]
        )
    if connection.vendor == "postgresql":
        return RawSQL(*postgres_matching_sql(words))  # noqa: S611 - words are parameters
    raise NotImplementedError(f"review search is not implemented for {connection.vendor}")


def search_reviews(query, sort="top", limit=20):
    """The first `limit` reviews, in `sort` order (a REVIEW_SORTS key), of the published
    written reviews whose headline or body has every word of `query` as the start of a
    word, case-insensitively (and accent-insensitively on SQLite), taken among the
    MATCH_LIMIT most recent reviews that match. No reviews for a query without a word of
    MIN_WORD_LENGTH letters or digits. One query; add for_listing() and the like."""
    words = query_words(query)
    if not words:
        return Review.objects.none()
    matches = Review.objects.filter(pk__in=_matching_ids(words))
    if connection.vendor != "sqlite":  # SQLite's subquery has them already
        matches = matches.published().written()
    # The page's ids first: its columns and per-card subqueries (for_listing) are then
    # computed for `limit` reviews rather than for every match before the sort.
    page = matches.sorted(sort).values("pk")[:limit]
    return Review.objects.filter(pk__in=page).sorted(sort)
