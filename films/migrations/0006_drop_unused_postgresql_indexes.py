"""PostgreSQL only: drop seven B-tree indexes no query uses there, which every import and
edit paid for. Django adds a second, varchar_pattern_ops ("_like") index to each indexed
text column on PostgreSQL. Search's prefix matches use LIKE and so the "_like" index of
FilmTitle.text and Person.search_name, never their plain ones; IMDb ids are only ever
compared whole, titles and names only sorted or searched anywhere in the text (which the
trigram indexes serve). Slugs keep both: the importer looks up numbered slugs by prefix.
film_top_rated_idx sorts unrated films first there, which no page asks for: they sort by
0004's film_rating_nulls_last_idx; and every review's stats update had to keep it.

The models keep db_index: SQLite's search uses the plain indexes, and SQLite has no others."""

from django.db import migrations

# (index, table, what it indexes)
INDEXES = [
    ("films_film_imdb_id_ce73d15f_like", "films_film", '"imdb_id" varchar_pattern_ops'),
    ("films_film_title_e9f71b5d_like", "films_film", '"title" varchar_pattern_ops'),
    ("films_person_imdb_id_c474ea77_like", "films_person", '"imdb_id" varchar_pattern_ops'),
    ("films_person_name_a2b11580_like", "films_person", '"name" varchar_pattern_ops'),
    ("films_person_search_name_42996041", "films_person", '"search_name"'),
    ("films_filmtitle_text_4e1b666f", "films_filmtitle", '"text"'),
    ("film_top_rated_idx", "films_film", '"rating_average" DESC, "rating_count" DESC'),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _columns in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, columns in INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({columns})')


class Migration(migrations.Migration):
    dependencies = [
        ("films", "0005_drop_redundant_fk_indexes"),
    ]

    operations = [migrations.RunPython(drop, create, elidable=False)]
