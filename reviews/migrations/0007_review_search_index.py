"""A full-text index over review headlines and bodies, replacing the search window over the
most recent reviews: an FTS5 table kept by triggers on SQLite (filled here from the reviews
that exist), a GIN expression index and the function that searches through it on
PostgreSQL. See reviews/search_schema.py."""

from django.db import migrations

from reviews.search_schema import (
    POSTGRES_BACKWARD,
    POSTGRES_FORWARD,
    SQLITE_BACKWARD,
    SQLITE_FORWARD,
)


def _statements(schema_editor, forward):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        return SQLITE_FORWARD if forward else SQLITE_BACKWARD
    if vendor == "postgresql":
        return POSTGRES_FORWARD if forward else POSTGRES_BACKWARD
    return []


def forward(apps, schema_editor):
    for sql in _statements(schema_editor, forward=True):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    for sql in _statements(schema_editor, forward=False):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0006_review_recent_index"),
    ]

    operations = [migrations.RunPython(forward, backward)]
