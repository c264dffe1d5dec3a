"""The one place that writes the numbers pages show about reviews.

Film statistics (ratings, reviews, sum, average, histogram) and a review's like and reply
counts are recounted from the rows inside the transaction that changed them, with the film row
locked first so that concurrent writers to one film queue instead of overwriting each
other's counts. Recounting, not incrementing, keeps them exact by construction.
"""

import functools

from django.db import transaction
from django.db.models import Count, Q

from core.cache import bump_after_commit
from films.models import Film


def lock_film(film_id):
    """Take the film's row lock for the rest of the transaction."""
    _lock_row(Film, film_id)


def lock_review(review_id):
    """Take the review's row lock for the rest of the transaction."""
    from .models import Review

    _lock_row(Review, review_id)


def _lock_row(model, pk):
    # SQLite has no row locks: its IMMEDIATE transactions already serialize writers, so
    # there is nothing to ask for.
    if transaction.get_connection().features.has_select_for_update:
        model.objects.select_for_update().filter(pk=pk).values_list("pk").first()


def refresh_film_stats(*film_ids):
    """Recount the statistics of these films from their published reviews (one query to
    count, one UPDATE per film)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError(
            "refresh_film_stats must run inside the transaction that changed reviews"
        )
    film_ids = sorted(set(film_ids))
    if not film_ids:
        return
    histograms = {film_id: [0] * 10 for film_id in film_ids}
    written = dict.fromkeys(film_ids, 0)
    sql, params, slots, update = _recount_statements(connection.alias, len(film_ids))
    params = list(params)
    for slot, film_id in zip(slots, film_ids, strict=True):
        params[slot] = film_id
    histogram_field = Film._meta.get_field("rating_histogram")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for film_id, rating, ratings, with_text in cursor.fetchall():
            histograms[film_id][rating - 1] = ratings
            written[film_id] += with_text
        for film_id, histogram in histograms.items():
            count = sum(histogram)
            total = sum(rating * n for rating, n in enumerate(histogram, start=1))
            values = {
                "rating_count": count,
                "review_count": written[film_id],
                "rating_sum": total,
                "rating_average": (total / count) if count else None,
                "rating_histogram": histogram_field.get_db_prep_save(histogram, connection),
            }
            cursor.execute(update, [*(values[name] for name in STATS), film_id])
    bump_after_commit()


# The columns refresh_film_stats writes.
STATS = ("rating_count", "review_count", "rating_sum", "rating_average", "rating_histogram")


@functools.lru_cache(maxsize=16)
def _recount_statements(alias, films):
    """The recount's SQL for this many films, built by the ORM once: building it took
    longer than running it, on every write and inside the write lock. Returns the SQL, its
    parameters with placeholder film ids, where in them the film ids go, and the UPDATE
    that stores one film's stats (the STATS columns, then the film id)."""
    from django.db import connections

    from .models import Review

    quote = connections[alias].ops.quote_name
    film = Film._meta
    update = (
        f"UPDATE {quote(film.db_table)} SET "  # noqa: S608
        + ", ".join(f"{quote(film.get_field(name).column)} = %s" for name in STATS)
        + f" WHERE {quote(film.pk.column)} = %s"
    )

    placeholders = list(range(-1, -films - 1, -1))  # ids no film has
    query = (
        Review.objects.using(alias)
        .published()
        .filter(film_id__in=placeholders)
        .values_list("film_id", "rating")
        .annotate(ratings=Count("pk"), written=Count("pk", filter=~Q(body="")))
        .order_by()
        .query
    )
    sql, params = query.get_compiler(alias).as_sql()
    params = tuple(params)
    slots = [
        next(i for i, p in enumerate(params) if type(p) is int and p == placeholder)
        for placeholder in placeholders
    ]
    return sql, params, slots, update


def refresh_like_count(review_id):
    """Recount the review's likes from its Like rows; returns the new count (0 if there is
    no such review). One statement: this runs on every like and unlike."""
    from .models import Like, Review

    reviews, likes = Review._meta, Like._meta
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(reviews.db_table)} SET {quote('like_count')} = "  # noqa: S608
            f"(SELECT COUNT(*) FROM {quote(likes.db_table)} "
            f"WHERE {quote(likes.get_field('review').column)} = %s) "
            f"WHERE {quote(reviews.pk.column)} = %s RETURNING {quote('like_count')}",
            [review_id, review_id],
        )
        row = cursor.fetchone()
    bump_after_commit()
    return row[0] if row else 0


def refresh_reply_counts(*review_ids):
    """Recount these reviews' published replies by active members (one UPDATE)."""
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import Reply, Review

    review_ids = sorted(set(review_ids))
    if not review_ids:
        return
    replies = (
        Reply.objects.published()
        .filter(review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Review.objects.filter(pk__in=review_ids).update(reply_count=Coalesce(Subquery(replies), 0))
    bump_after_commit()


def refresh_stats_for_author(user_id):
    """An author's reviews and replies left or rejoined the published set (account
    deactivated or reactivated): recount every film they rated and every review they
    replied to."""
    from .models import Reply, Review

    with transaction.atomic():
        film_ids = sorted(
            set(Review.objects.filter(author_id=user_id).values_list("film_id", flat=True))
        )
        for film_id in film_ids:
            lock_film(film_id)
        refresh_film_stats(*film_ids)
        replied_to = Reply.objects.filter(author_id=user_id).values_list("review_id", flat=True)
        refresh_reply_counts(*replied_to)
