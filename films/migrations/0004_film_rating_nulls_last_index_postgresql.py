"""PostgreSQL: an index in the exact order the catalog and "Top rated" ask for.

Both sort by rating_average DESC NULLS LAST (unrated films last). PostgreSQL's default for
DESC is NULLS FIRST, so the model's index can't serve that order and every request sorted
all films. SQLite puts NULLs last in DESC order already, and its CREATE INDEX has no NULLS
clause, so there is nothing to do there.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS film_rating_nulls_last_idx ON films_film "
    "(rating_average DESC NULLS LAST, rating_count DESC, title)"
)
DROP = "DROP INDEX IF EXISTS film_rating_nulls_last_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("films", "0003_search_engines")]

    operations = [migrations.RunPython(create, drop)]
