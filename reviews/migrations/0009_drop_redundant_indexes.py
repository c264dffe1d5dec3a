"""Drop the single-column indexes of Review.film, Review.author, Review.status and
Reply.review: a multi-column index starts with each (one_review_per_film and
review_film_*_idx, review_author_idx, review_recent_idx, reply_review_idx), so no query
needs them and every review and reply write paid for them.

Plain DROP INDEX on both databases (AlterField would rebuild the tables on SQLite, and with
them the review search triggers). PostgreSQL also has a "_like" index on status."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (index, table, column, operator class or ""): Django's names from earlier migrations.
INDEXES = [
    ("reviews_review_film_id_e8245342", "reviews_review", "film_id", ""),
    ("reviews_review_author_id_ed71e278", "reviews_review", "author_id", ""),
    ("reviews_review_status_84c4f37d", "reviews_review", "status", ""),
    ("reviews_review_status_84c4f37d_like", "reviews_review", "status", "varchar_pattern_ops"),
    ("reviews_reply_review_id_6626a263", "reviews_reply", "review_id", ""),
]


def drop(apps, schema_editor):
    for name, _table, _column, _opclass in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for name, table, column, opclass in INDEXES:
        if opclass and not postgres:
            continue
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" {opclass})'
        )


def unindexed_fk(model_name, name, to, related_name):
    return migrations.AlterField(
        model_name=model_name,
        name=name,
        field=models.ForeignKey(
            db_index=False,
            on_delete=django.db.models.deletion.CASCADE,
            related_name=related_name,
            to=to,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0008_review_search_document_postgresql"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(drop, create, elidable=False)],
            state_operations=[
                unindexed_fk("reply", "review", "reviews.review", "replies"),
                unindexed_fk("review", "author", settings.AUTH_USER_MODEL, "reviews"),
                unindexed_fk("review", "film", "films.film", "reviews"),
                migrations.AlterField(
                    model_name="review",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("published", "Published"),
                            ("hidden", "Hidden by a moderator"),
                        ],
                        default="published",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
            ],
        )
    ]
