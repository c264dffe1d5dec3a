"""Drop four single-column foreign key indexes that a multi-column index already serves
(each is its leading column): every import and edit paid for them, no query needed them.

Plain DROP INDEX on both databases: AlterField would rebuild each table on SQLite."""

import django.db.models.deletion
from django.db import migrations, models

# (index, table, column): Django's names for the indexes it made in 0001.
INDEXES = [
    ("films_alternativetitle_film_id_86b4853a", "films_alternativetitle", "film_id"),
    ("films_credit_film_id_50be98c3", "films_credit", "film_id"),
    ("films_credit_person_id_2108991c", "films_credit", "person_id"),
    ("films_filmtitle_film_id_8c0e4f3e", "films_filmtitle", "film_id"),
]


def fk(to, related_name):
    return models.ForeignKey(
        db_index=False,
        on_delete=django.db.models.deletion.CASCADE,
        related_name=related_name,
        to=to,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("films", "0004_film_rating_nulls_last_index_postgresql"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for name, table, column in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="alternativetitle",
                    name="film",
                    field=fk("films.film", "alternative_titles"),
                ),
                migrations.AlterField(
                    model_name="credit", name="film", field=fk("films.film", "credits")
                ),
                migrations.AlterField(
                    model_name="credit", name="person", field=fk("films.person", "credits")
                ),
                migrations.AlterField(
                    model_name="filmtitle", name="film", field=fk("films.film", "search_titles")
                ),
            ],
        )
    ]
