"""The vendor-specific full-text index over review headlines and bodies, shared by migration
0007 and the post_migrate check in reviews.apps. reviews.search queries it.

SQLite: an FTS5 external-content table (the text lives once, in reviews_review) with the
word tokenizer, accents and case folded; triggers keep it in step with every write. Not
trigram like the title index: review bodies are long, and a trigram index of them would be
many times the size of the text and slow every review write. Search matches word prefixes;
without a prefix index FTS5 answers "lo"* by merging the whole lists of "love", "long",
"look"... before it can return the newest few, which costs in proportion to the number of
reviews. prefix='2 3' keeps ready-made lists for two- and three-letter prefixes, the ones
shared by the most words, at roughly three times the size of the plain word index.

PostgreSQL: a GIN index on a to_tsvector expression, and a function that searches through
it (reviews.search calls it). The 'simple' configuration folds case but keeps accents (no
unaccent: film search doesn't use it either, it indexes text normalized in Python), so
there "cafe" does not find "café".
"""

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

# The function below repeats this expression word for word: PostgreSQL uses an expression
# index only for the very same expression.
POSTGRES_DOCUMENT = "to_tsvector('simple', coalesce(headline, '') || ' ' || body)"
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS reviews_review_text_fts "
    f"ON reviews_review USING gin ({POSTGRES_DOCUMENT})",
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

SQLITE_TRIGGERS = {
    sql.split()[2]: sql for sql in SQLITE_FORWARD if sql.startswith("CREATE TRIGGER")
}


def ensure_sqlite_review_search_triggers(connection):
    """Recreate any missing trigger of the review index and, if one was missing, rebuild
    the index (it missed the writes made meanwhile). SQLite drops a table's triggers when
    a migration rebuilds the table. Returns the names of the triggers it recreated."""
    if connection.vendor != "sqlite":
        return []
    names = [*SQLITE_TRIGGERS, "reviews_review_fts"]
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(names))
        cursor.execute(
            f"SELECT name FROM sqlite_master WHERE name IN ({placeholders})",  # noqa: S608
            names,
        )
        present = {name for (name,) in cursor.fetchall()}
        if "reviews_review_fts" not in present:
            return []  # migration 0007 hasn't run (yet)
        missing = [name for name in SQLITE_TRIGGERS if name not in present]
        for name in missing:
            cursor.execute(SQLITE_TRIGGERS[name])
        if missing:
            cursor.execute("INSERT INTO reviews_review_fts(reviews_review_fts) VALUES ('rebuild')")
    return missing
