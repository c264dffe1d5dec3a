"""The one place that writes the numbers pages show about reviews.

Film statistics (ratings, reviews, sum, average, histogram) and a review's like count are
recounted from the rows inside the transaction that changed them, with the film row
locked first so that concurrent writers to one film queue instead of overwriting each
other's counts. Recounting, not incrementing, keeps them exact by construction.
"""

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
    from .models import Review

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "refresh_film_stats must run inside the transaction that changed reviews"
        )
    film_ids = set(film_ids)
    histograms = {film_id: [0] * 10 for film_id in film_ids}
    written = dict.fromkeys(film_ids, 0)
    rows = (
        Review.objects.published()
        .filter(film_id__in=film_ids)
        .values("film_id", "rating")
        .annotate(ratings=Count("pk"), written=Count("pk", filter=~Q(body="")))
        .order_by()
    )
    for row in rows:
        histograms[row["film_id"]][row["rating"] - 1] = row["ratings"]
        written[row["film_id"]] += row["written"]
    for film_id, histogram in histograms.items():
        count = sum(histogram)
        total = sum(rating * n for rating, n in enumerate(histogram, start=1))
        Film.objects.filter(pk=film_id).update(
            rating_count=count,
            review_count=written[film_id],
            rating_sum=total,
            rating_average=(total / count) if count else None,
            rating_histogram=histogram,
        )
    bump_after_commit()


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


def refresh_stats_for_author(user_id):
    """An author's reviews left or rejoined the published set (account deactivated or
    reactivated): recount every film they rated."""
    from .models import Review

    with transaction.atomic():
        film_ids = sorted(
            set(Review.objects.filter(author_id=user_id).values_list("film_id", flat=True))
        )
        for film_id in film_ids:
            lock_film(film_id)
        refresh_film_stats(*film_ids)
