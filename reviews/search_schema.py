"""The vendor-specific full-text index over review headlines and bodies, shared by migration
0007 and the post_migrate check in reviews.apps. reviews.search queries it.

SQLite: an FTS5 external-content table (the text lives once, in reviews_review) with the
word tokenizer, accents and case folded; triggers keep it in step with every write. Not
trigram like the title index: review bodies are long, and a trigram index of them would be
many times the size of the text and slow every review write. Search matches word prefixes;
without a prefix index FTS5 answers "lo"* by merging the whole lists of "love", "long",
"look"... before it can return the newest few, which costs in proportion to the number of
reviews. Migration 0007's prefix='2 3' kept ready-made lists for two- and three-letter
prefixes, the ones shared by the most words, at roughly three times the size of the plain
word index; since 0012 there is one for every length from 2 to 12 (SQLITE_PREFIX_LENGTHS).

PostgreSQL: since migration 0008, a tsvector column, search_document, kept by a trigger,
with a GIN index, and a function that searches through it (reviews.search calls it;
migration 0011 changed how it picks its plan).
Migration 0007 had indexed the to_tsvector expression itself (POSTGRES_FORWARD below, kept
as 0007 ran it): a very common word then cost a bitmap heap scan visiting every matching
review, ~250 ms for a word in half of 200,000 reviews, growing with the table, since the
other way, walking the primary key backwards and testing each review until enough match,
re-parsed each review's text. With the vector stored, that test is cheap, and the planner
picks the walk for common words and the GIN index for rare ones (POSTGRES_DOCUMENT_FORWARD).
The column is not in the Review model: Django's INSERTs and UPDATEs name their columns, so
it never sees it, and the trigger fills it whatever writes the row. The 'simple'
configuration folds case but keeps accents (no unaccent: film search doesn't use it either,
it indexes text normalized in Python), so there "cafe" does not find "café".
"""

from core.fts import restore_triggers, trigger_statements

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE reviews_review_fts USING fts5("
    "headline, body, content='reviews_review', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='2 3')",
    "CREATE TRIGGER reviews_review_ai AFTER INSERT ON reviews_review BEGIN "
    "INSERT INTO reviews_review_fts(rowid, headline, body) "
    "VALUES (new.id, new.headline, new.body); END",
    "CREATE TRIGGER reviews_review_ad AFTER DELETE ON reviews_review BEGIN "
    "INSERT INTO reviews_review_fts(reviews_review_fts, rowid, headline, body) "
    "VALUES ('delete', old.id, old.headline, old.body); END",
    # Model.save() writes every column: only a real change of the text touches the index.
    "CREATE TRIGGER reviews_review_au AFTER UPDATE OF headline, body ON reviews_review "
    "WHEN old.headline IS NOT new.headline OR old.body IS NOT new.body BEGIN "
    "INSERT INTO reviews_review_fts(reviews_review_fts, rowid, headline, body) "
    "VALUES ('delete', old.id, old.headline, old.body); "
    "INSERT INTO reviews_review_fts(rowid, headline, body) "
    "VALUES (new.id, new.headline, new.body); END",
    "INSERT INTO reviews_review_fts(reviews_review_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS reviews_review_ai",
    "DROP TRIGGER IF EXISTS reviews_review_ad",
    "DROP TRIGGER IF EXISTS reviews_review_au",
    "DROP TABLE IF EXISTS reviews_review_fts",
]

# Migration 0012: a prefix index for every prefix length from 2 to 12 characters. FTS5 uses
# one only for a prefix of exactly its length; for any other, "ocean"* merged the whole
# lists of every word starting "ocean" before it could return the newest matches: 50-60 ms
# for a word in half of 1M reviews, against 1.3-1.6 ms from its prefix index, which FTS5
# reads newest first and stops reading at the LIMIT. Past 6 characters few words are
# long enough to add entries: on the benchmark's 1M reviews the index grew from 440 MB
# ('2 3') to 762 MB ('2 3 4 5 6'), 782 MB (up to 8) and 786 MB (up to 12), and a review's
# write cost the same within the noise. A prefix longer than 12 characters still merges,
# over the few words that long. The triggers name the table, not its options: they stay.
SQLITE_PREFIX_LENGTHS = tuple(range(2, 13))


def _sqlite_fts_table(prefix_lengths):
    return (
        "CREATE VIRTUAL TABLE reviews_review_fts USING fts5("
        "headline, body, content='reviews_review', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', "
        f"prefix='{' '.join(str(n) for n in prefix_lengths)}')"
    )


def _sqlite_fts_rebuild(prefix_lengths):
    return [
        "DROP TABLE reviews_review_fts",
        _sqlite_fts_table(prefix_lengths),
        "INSERT INTO reviews_review_fts(reviews_review_fts) VALUES ('rebuild')",
    ]


SQLITE_PREFIXES_FORWARD = _sqlite_fts_rebuild(SQLITE_PREFIX_LENGTHS)
SQLITE_PREFIXES_BACKWARD = _sqlite_fts_rebuild((2, 3))

# Migration 0007's index and function, as it created them; 0008 replaces both (see below)
# and restores them when reversed. The function repeated this expression word for word:
# PostgreSQL uses an expression index only for the very same expression.
POSTGRES_DOCUMENT = "to_tsvector('simple', coalesce(headline, '') || ' ' || body)"
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS reviews_review_text_fts "
    f"ON reviews_review USING gin ({POSTGRES_DOCUMENT})",
    # Replaced by migration 0008 (POSTGRES_SEARCH_IDS below), which measured this at
    # ~250 ms for a word in half of 200,000 reviews.
    # The ids of the newest `max_matches` reviews matching `query`, always through the GIN
    # index: bitmap scans are the only kind left on. Left to itself, for a word in more than
    # a few percent of reviews the planner walks the primary key backwards (ORDER BY id
    # DESC LIMIT) or scans the table, re-parsing each review with to_tsvector, which it
    # prices far below its real cost: 1.5 s instead of 25 ms for a word in 8% of 100,000
    # reviews. The SET clauses hold for this query alone (and keep the function from being
    # inlined); work_mem keeps the bitmap exact on a big table, so that nothing is
    # re-parsed on a recheck either.
    "CREATE OR REPLACE FUNCTION reviews_review_search_ids(query tsquery, max_matches integer) "  # noqa: S608
    "RETURNS SETOF bigint LANGUAGE sql STABLE ROWS 2000 "
    "SET enable_seqscan = off SET enable_indexscan = off SET work_mem = '64MB' "
    f"AS $$ SELECT id FROM reviews_review WHERE {POSTGRES_DOCUMENT} @@ query "
    "ORDER BY id DESC LIMIT max_matches $$",
]
POSTGRES_BACKWARD = [
    "DROP FUNCTION IF EXISTS reviews_review_search_ids(tsquery, integer)",
    "DROP INDEX IF EXISTS reviews_review_text_fts",
]

# Migration 0008: the document stored in a column that the model doesn't declare, kept by a
# trigger. Only a change of the headline or body re-parses the text: Model.save() writes
# every column, so UPDATE OF alone would fire on any save.
POSTGRES_DOCUMENT_COLUMN = "to_tsvector('simple', coalesce(NEW.headline, '') || ' ' || NEW.body)"
# The ids of the newest `max_matches` reviews matching `query`, by one of two plans chosen
# here, not by the planner, whose estimate of how common the words are misleads it: for a
# prefix query, with fewer than 100 distinct common words in its statistics, it guesses 2%
# whatever the word, and it expects matches to be spread evenly over the ids.
# - A word in one recent review in ten or more: walk the newest reviews down the primary
#   key, testing each stored vector, until max_matches match (at most max_matches * 10
#   reviews): a few milliseconds, however many reviews have the word.
# - Otherwise, or if the walk fell short: every match through the GIN index, a bitmap scan
#   costing in proportion to the number of matches. The MATERIALIZED CTE keeps the planner
#   from turning it into a walk of the whole primary key (ORDER BY id DESC LIMIT), and
#   enable_seqscan = off from a scan of the whole table.
# Which one is decided by counting the matches among the newest max_matches / 4 reviews
# (under 1 ms). The worst case is a word just short of one recent review in ten: ~10% of the
# table through the index (~25 ms at 200,000 reviews), growing with the table.
POSTGRES_SEARCH_IDS = (
    "CREATE FUNCTION reviews_review_search_ids(query tsquery, max_matches integer) "
    "RETURNS SETOF bigint LANGUAGE plpgsql STABLE ROWS 2000 SET enable_seqscan = off "
    "AS $$ DECLARE sampled integer; newest bigint[]; BEGIN "
    "SELECT count(*) INTO sampled FROM ("
    "SELECT search_document FROM reviews_review ORDER BY id DESC LIMIT max_matches / 4"
    ") AS recent WHERE recent.search_document @@ query; "
    "IF sampled * 10 >= max_matches / 4 THEN "
    "SELECT array_agg(hits.id) INTO newest FROM ("
    "SELECT recent.id FROM ("
    "SELECT id, search_document FROM reviews_review ORDER BY id DESC LIMIT max_matches * 10"
    ") AS recent WHERE recent.search_document @@ query "
    "ORDER BY recent.id DESC LIMIT max_matches) AS hits; "
    "IF cardinality(newest) >= max_matches THEN RETURN QUERY SELECT unnest(newest); RETURN; "
    "END IF; END IF; "
    "RETURN QUERY WITH matches AS MATERIALIZED ("
    "SELECT id FROM reviews_review WHERE search_document @@ query) "
    "SELECT matches.id FROM matches ORDER BY matches.id DESC LIMIT max_matches; "
    "END $$"
)
POSTGRES_DOCUMENT_FORWARD = [
    "ALTER TABLE reviews_review ADD COLUMN search_document tsvector",
    "CREATE FUNCTION reviews_review_search_document() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN "
    "IF TG_OP = 'UPDATE' AND OLD.search_document IS NOT NULL "
    "AND NEW.headline IS NOT DISTINCT FROM OLD.headline "
    "AND NEW.body IS NOT DISTINCT FROM OLD.body THEN RETURN NEW; END IF; "
    f"NEW.search_document := {POSTGRES_DOCUMENT_COLUMN}; "
    "RETURN NEW; "
    "END $$",
    "CREATE TRIGGER reviews_review_search_document "
    "BEFORE INSERT OR UPDATE OF headline, body ON reviews_review "
    "FOR EACH ROW EXECUTE FUNCTION reviews_review_search_document()",
    # The reviews already there, in one statement (SET search_document fires no trigger).
    f"UPDATE reviews_review SET search_document = {POSTGRES_DOCUMENT}",  # noqa: S608
    "CREATE INDEX reviews_review_search_document ON reviews_review USING gin (search_document)",
    "DROP INDEX IF EXISTS reviews_review_text_fts",
    # Statistics for the new column (the search function doesn't rest on them, see above).
    "ANALYZE reviews_review",
    "DROP FUNCTION IF EXISTS reviews_review_search_ids(tsquery, integer)",
    POSTGRES_SEARCH_IDS,
]
POSTGRES_DOCUMENT_BACKWARD = [
    "DROP FUNCTION IF EXISTS reviews_review_search_ids(tsquery, integer)",
    "DROP TRIGGER IF EXISTS reviews_review_search_document ON reviews_review",
    "DROP FUNCTION IF EXISTS reviews_review_search_document()",
    "DROP INDEX IF EXISTS reviews_review_search_document",
    "ALTER TABLE reviews_review DROP COLUMN IF EXISTS search_document",
    *POSTGRES_FORWARD,
]

# Migration 0011: the function takes the query's words, one prefix tsquery each, and
# chooses its plan better.
# - Deciding on the newest max_matches / 4 reviews alone sent a word in most reviews to the
#   GIN index whenever those few didn't have it, say after a burst of new reviews about
#   something else: every match through the index, over a second for a word in half of 1M
#   reviews, where walking past the burst took 12 ms. When the newest few don't decide it,
#   the function now probes 256 reviews spread evenly over the ids (~1 ms), and from the
#   hits estimates how many reviews match and how far down the newest max_matches of them
#   reach. It walks only when that depth is within twice the estimated number of matches
#   (walking a review costs about half as much as fetching a match through the index), and
#   no further than that, so a walk that goes wrong costs at most about what the index
#   would have; the index then finds the rest, below the walk's lowest match.
# - Through the index, every word of a query was looked up in it: a prefix in most reviews
#   ("th" of "the godfather") costs a bitmap of all its matches, 40-100 ms at 1M reviews,
#   even when another word of the query is rare. When the probes find one word much rarer
#   than the others together, only that word goes through the index, and each of its
#   matches is tested against the whole query (ts_match_vq, the function behind @@, which
#   no index serves): ~1 ms instead of 40.
# Every plan gives the same newest max_matches matches, whatever the probes hit: the
# choice changes the time, never the answer.
POSTGRES_SEARCH_IDS_PROBED = (
    "CREATE FUNCTION reviews_review_search_ids(terms tsquery[], max_matches integer) "
    "RETURNS SETOF bigint LANGUAGE plpgsql STABLE ROWS 2000 SET enable_seqscan = off "
    "AS $$ DECLARE query tsquery; indexed tsquery; sampled integer; budget bigint := 0; "
    "lowest bigint; highest bigint; probes integer; seen integer; hits bigint[]; "
    "term_hits integer[]; rarest integer := 1; needed bigint; expected double precision; "
    "newest bigint[]; "
    "BEGIN "
    # A word the parser finds no lexeme in ("²²") is an empty query: in an AND it drops
    # out, but alone in the index it would match nothing.
    "terms := ARRAY(SELECT term FROM unnest(terms) AS term WHERE numnode(term) > 0); "
    "IF max_matches <= 0 OR coalesce(cardinality(terms), 0) = 0 THEN RETURN; END IF; "
    "query := terms[1]; "
    "FOR term IN 2 .. cardinality(terms) LOOP query := query && terms[term]; END LOOP; "
    "indexed := query; "
    "SELECT count(*) INTO sampled FROM ("
    "SELECT search_document FROM reviews_review ORDER BY id DESC LIMIT max_matches / 4"
    ") AS recent WHERE recent.search_document @@ query; "
    "IF sampled * 10 >= max_matches / 4 THEN budget := max_matches * 10; "
    "ELSE "
    "SELECT min(id), max(id) INTO lowest, highest FROM reviews_review; "
    "IF highest - lowest >= max_matches * 10 THEN "
    "probes := least(256, highest - lowest + 1); "
    "WITH probed AS MATERIALIZED ("
    "SELECT id, search_document FROM reviews_review WHERE id IN ("
    "SELECT lowest + (step * (highest - lowest)) / (probes - 1) "
    "FROM generate_series(0, probes - 1) AS step)) "
    "SELECT (SELECT count(*) FROM probed), "
    "(SELECT array_agg(id ORDER BY id DESC) FROM probed WHERE search_document @@ query), "
    "(SELECT array_agg((SELECT count(*) FROM probed WHERE search_document @@ word) "
    "ORDER BY position) FROM unnest(terms) WITH ORDINALITY AS words (word, position)) "
    "INTO seen, hits, term_hits; "
    "IF cardinality(hits) > 0 THEN "
    # Each probed review stands for (highest - lowest + 1) / seen of them.
    "expected := cardinality(hits)::double precision * (highest - lowest + 1) / seen; "
    "needed := ceil(max_matches::double precision * seen / (highest - lowest + 1)); "
    "IF needed <= cardinality(hits) AND highest - hits[needed] + 1 <= 2 * expected THEN "
    "budget := ceil(2 * expected); "
    "END IF; END IF; "
    # The index's cost: ~0.2 us per match of each word for its bitmap, ~2 us per review
    # fetched. One word alone fetches all its matches, the whole query only those of all.
    "FOR term IN 2 .. cardinality(terms) LOOP "
    "IF term_hits[term] < term_hits[rarest] THEN rarest := term; END IF; END LOOP; "
    "IF 11 * term_hits[rarest] < (SELECT sum(count) FROM unnest(term_hits) AS count) "
    "+ 10 * coalesce(cardinality(hits), 0) THEN indexed := terms[rarest]; END IF; "
    "END IF; END IF; "
    "IF budget > 0 THEN "
    "SELECT array_agg(found.id ORDER BY found.id DESC) INTO newest FROM ("
    "SELECT walked.id FROM ("
    "SELECT id, search_document FROM reviews_review ORDER BY id DESC LIMIT budget"
    ") AS walked WHERE walked.search_document @@ query "
    "ORDER BY walked.id DESC LIMIT max_matches) AS found; "
    "IF cardinality(newest) >= max_matches THEN RETURN QUERY SELECT unnest(newest); RETURN; "
    "END IF; END IF; "
    "RETURN QUERY SELECT unnest(newest); "
    # Planned for these values each time (EXECUTE): a plan cached for any values would test
    # both conditions on every match, and costs ~2x for a word in a few percent of reviews.
    "RETURN QUERY EXECUTE 'WITH matches AS MATERIALIZED ("
    "SELECT id FROM reviews_review WHERE search_document @@ $1' "
    "|| CASE WHEN indexed = query THEN '' ELSE ' AND ts_match_vq(search_document, $2)' END "
    "|| CASE WHEN newest IS NULL THEN '' ELSE ' AND id < $3' END "
    "|| ') SELECT matches.id FROM matches ORDER BY matches.id DESC LIMIT $4' "
    "USING indexed, query, newest[cardinality(newest)], "
    "max_matches - coalesce(cardinality(newest), 0); "
    "END $$"
)
# 0008's function, which takes one tsquery, stays beside the new one: processes still
# running the code from before 0011 call it until they restart. A later migration can drop
# it.
POSTGRES_PROBED_FORWARD = [POSTGRES_SEARCH_IDS_PROBED]
POSTGRES_PROBED_BACKWARD = ["DROP FUNCTION IF EXISTS reviews_review_search_ids(tsquery[], integer)"]

SQLITE_TRIGGERS = trigger_statements(SQLITE_FORWARD)


def ensure_sqlite_review_search_triggers(connection):
    """Recreate any missing trigger of the review index and, if one was missing, rebuild
    the index (it missed the writes made meanwhile). SQLite drops a table's triggers when
    a migration rebuilds the table. Returns the names of the triggers it recreated."""
    return restore_triggers(connection, SQLITE_TRIGGERS, ["reviews_review_fts"])
