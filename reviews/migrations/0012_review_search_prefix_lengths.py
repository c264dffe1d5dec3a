"""SQLite: the review index keeps a prefix index for every prefix length from 2 to 12, so
a search for a word of four letters or more no longer merges the whole lists of every word
it starts. Nothing changes on PostgreSQL. See reviews/search_schema.py."""

from django.db import migrations

from reviews.search_schema import SQLITE_PREFIXES_BACKWARD, SQLITE_PREFIXES_FORWARD


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_PREFIXES_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_PREFIXES_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0011_review_search_probes"),
    ]

    operations = [migrations.RunPython(forward, backward)]
