"""The vendor-specific search objects, shared by migration 0003 and the post_migrate
check in films.apps.

SQLite rebuilds a table for many schema changes (ALTER TABLE can't do them in place) and
drops that table's triggers with it: a later migration touching films_person or
films_filmtitle would silently stop the FTS tables from following edits.
`ensure_sqlite_search_triggers` runs after every migrate and puts back what's missing.
"""

from core.fts import restore_triggers, trigger_statements

SQLITE_FORWARD = [
    # The IMDb importer puts a row here inside its own write transaction (never committed)
    # to switch the per-row insert triggers off and feed the FTS tables in bulk, which is
    # several times faster. Other connections never see the row.
    "CREATE TABLE films_search_bulk_load (active integer NOT NULL)",
    "CREATE VIRTUAL TABLE films_filmtitle_fts USING fts5("
    "text, content='films_filmtitle', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER films_filmtitle_ai AFTER INSERT ON films_filmtitle "
    "WHEN NOT EXISTS (SELECT 1 FROM films_search_bulk_load) BEGIN "
    "INSERT INTO films_filmtitle_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER films_filmtitle_ad AFTER DELETE ON films_filmtitle BEGIN "
    "INSERT INTO films_filmtitle_fts(films_filmtitle_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER films_filmtitle_au AFTER UPDATE ON films_filmtitle BEGIN "
    "INSERT INTO films_filmtitle_fts(films_filmtitle_fts, rowid, text) "
    "VALUES ('delete', old.id, old.text); "
    "INSERT INTO films_filmtitle_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE VIRTUAL TABLE films_person_fts USING fts5("
    "search_name, content='films_person', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER films_person_ai AFTER INSERT ON films_person "
    "WHEN NOT EXISTS (SELECT 1 FROM films_search_bulk_load) BEGIN "
    "INSERT INTO films_person_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
    "CREATE TRIGGER films_person_ad AFTER DELETE ON films_person BEGIN "
    "INSERT INTO films_person_fts(films_person_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); END",
    "CREATE TRIGGER films_person_au AFTER UPDATE OF search_name ON films_person "
    "WHEN NOT EXISTS (SELECT 1 FROM films_search_bulk_load) BEGIN "
    "INSERT INTO films_person_fts(films_person_fts, rowid, search_name) "
    "VALUES ('delete', old.id, old.search_name); "
    "INSERT INTO films_person_fts(rowid, search_name) VALUES (new.id, new.search_name); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS films_filmtitle_ai",
    "DROP TRIGGER IF EXISTS films_filmtitle_ad",
    "DROP TRIGGER IF EXISTS films_filmtitle_au",
    "DROP TABLE IF EXISTS films_filmtitle_fts",
    "DROP TRIGGER IF EXISTS films_person_ai",
    "DROP TRIGGER IF EXISTS films_person_ad",
    "DROP TRIGGER IF EXISTS films_person_au",
    "DROP TABLE IF EXISTS films_person_fts",
    "DROP TABLE IF EXISTS films_search_bulk_load",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS films_filmtitle_text_trgm "
    "ON films_filmtitle USING gin (text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS films_filmtitle_text_fts "
    "ON films_filmtitle USING gin (to_tsvector('simple', text))",
    "CREATE INDEX IF NOT EXISTS films_person_search_name_trgm "
    "ON films_person USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS films_person_search_name_fts "
    "ON films_person USING gin (to_tsvector('simple', search_name))",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS films_filmtitle_text_trgm",
    "DROP INDEX IF EXISTS films_filmtitle_text_fts",
    "DROP INDEX IF EXISTS films_person_search_name_trgm",
    "DROP INDEX IF EXISTS films_person_search_name_fts",
]

SQLITE_TRIGGERS = trigger_statements(SQLITE_FORWARD)


def ensure_sqlite_search_triggers(connection):
    """Recreate any missing FTS trigger and rebuild the FTS tables if one was missing.
    Returns the names of the triggers it recreated."""
    return restore_triggers(
        connection, SQLITE_TRIGGERS, ["films_filmtitle_fts", "films_person_fts"]
    )
