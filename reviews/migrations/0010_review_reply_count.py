"""Review.reply_count: published replies by active members, counted once here and kept by
reviews.stats from now on.

The column is added with ALTER TABLE ... ADD COLUMN on both databases. Django's AddField
rebuilds the whole table on SQLite for a NOT NULL column, and with it would go the review
search triggers."""

from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def add_column(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote('reviews_review')} ADD COLUMN {quote('reply_count')} integer "
        f"NOT NULL DEFAULT 0 CHECK ({quote('reply_count')} >= 0)"
    )


def drop_column(apps, schema_editor):
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote('reviews_review')} DROP COLUMN {quote('reply_count')}"
    )


def count_replies(apps, schema_editor):
    Review = apps.get_model("reviews", "Review")
    Reply = apps.get_model("reviews", "Reply")
    replies = (
        Reply.objects.filter(review=OuterRef("pk"), status="published", author__is_active=True)
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Review.objects.filter(pk__in=Reply.objects.values("review_id")).update(
        reply_count=Coalesce(Subquery(replies), 0)
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0009_drop_redundant_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_column, drop_column)],
            state_operations=[
                migrations.AddField(
                    model_name="review",
                    name="reply_count",
                    field=models.PositiveIntegerField(
                        db_default=0, default=0, editable=False, verbose_name="replies"
                    ),
                ),
            ],
        ),
        migrations.RunPython(count_replies, migrations.RunPython.noop),
    ]
