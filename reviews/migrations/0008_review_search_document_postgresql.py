"""PostgreSQL: the review search document stored in a column kept by a trigger, its own GIN
index instead of 0007's expression index, and the search function over it, so that a very
common word is found by walking the newest reviews rather than every match. Nothing
changes on SQLite. See reviews/search_schema.py."""

from django.db import migrations

from reviews.search_schema import POSTGRES_DOCUMENT_BACKWARD, POSTGRES_DOCUMENT_FORWARD


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_DOCUMENT_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_DOCUMENT_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0007_review_search_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
