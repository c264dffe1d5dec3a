"""SQLite full-text tables kept by triggers (films.search_schema, reviews.search_schema).

SQLite drops a table's triggers whenever a migration rebuilds the table (ALTER TABLE can't
do most schema changes in place), and nothing says so: the FTS table silently stops
following edits. Each app's post_migrate hook calls `restore_triggers` to put back what's
missing and rebuild the FTS tables, which missed the writes made meanwhile.
"""


def trigger_statements(statements):
    """{trigger name: its CREATE TRIGGER statement} among a migration's statements."""
    return {sql.split()[2]: sql for sql in statements if sql.startswith("CREATE TRIGGER")}


def restore_triggers(connection, triggers, fts_tables):
    """Recreate any of `triggers` ({name: CREATE TRIGGER sql}) that is missing and, if one
    was, rebuild every table of `fts_tables`. Nothing before the migration that creates the
    first of `fts_tables` has run. Returns the names of the triggers it recreated."""
    if connection.vendor != "sqlite":
        return []
    names = [*triggers, fts_tables[0]]
    with connection.cursor() as cursor:
        placeholders = ", ".join(["%s"] * len(names))
        cursor.execute(
            f"SELECT name FROM sqlite_master WHERE name IN ({placeholders})",  # noqa: S608
            names,
        )
        present = {name for (name,) in cursor.fetchall()}
        if fts_tables[0] not in present:
            return []
        missing = [name for name in triggers if name not in present]
        for name in missing:
            cursor.execute(triggers[name])
        if missing:
            for table in fts_tables:
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608
    return missing
