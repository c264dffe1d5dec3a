"""PostgreSQL: the review search function decides between walking the newest reviews and
the GIN index on probes spread over the whole table, not on the newest few reviews alone.
Nothing changes on SQLite. See reviews/search_schema.py."""

from django.db import migrations

from reviews.search_schema import POSTGRES_PROBED_BACKWARD, POSTGRES_PROBED_FORWARD


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_PROBED_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_PROBED_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0010_review_reply_count"),
    ]

    operations = [migrations.RunPython(forward, backward)]
