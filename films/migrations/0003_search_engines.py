"""Vendor-specific search machinery over FilmTitle.text and Person.search_name.

SQLite: FTS5 external-content tables with the trigram tokenizer (SQLite >= 3.34), kept in
sync by triggers. PostgreSQL: pg_trgm GIN indexes and full-text GIN indexes. Then the
index columns are filled for rows that already exist.
"""

from django.db import migrations

from films.search_schema import (
    POSTGRES_BACKWARD,
    POSTGRES_FORWARD,
    SQLITE_BACKWARD,
    SQLITE_FORWARD,
)

def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        import sqlite3

        if sqlite3.sqlite_version_info < (3, 34):
            raise RuntimeError(
                f"Search needs SQLite 3.34 or newer (FTS5 trigram); this is {sqlite3.sqlite_version}"
            )
        _run(schema_editor, SQLITE_FORWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_FORWARD)
    fill_index(apps)


def fill_index(apps):
    # Historical models: the same normalization films.search uses, applied once.
    from films.search import film_texts, normalize

    Film = apps.get_model("films", "Film")
    AlternativeTitle = apps.get_model("films", "AlternativeTitle")
    FilmTitle = apps.get_model("films", "FilmTitle")
    Person = apps.get_model("films", "Person")
    texts = {pk: film_texts(t, o, []) for pk, t, o in Film.objects.values_list("pk", "title", "original_title")}
    for film_id, title in AlternativeTitle.objects.values_list("film_id", "title"):
        texts.setdefault(film_id, set()).update(film_texts(title, "", []))
    FilmTitle.objects.bulk_create(
        [FilmTitle(film_id=f, text=t) for f, ts in texts.items() for t in sorted(ts)],
        batch_size=1000,
        ignore_conflicts=True,
    )
    people = list(Person.objects.only("name"))
    for person in people:
        person.search_name = normalize(person.name)[:200]
    Person.objects.bulk_update(people, ["search_name"], batch_size=1000)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_BACKWARD)
    apps.get_model("films", "FilmTitle").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("films", "0002_search_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
