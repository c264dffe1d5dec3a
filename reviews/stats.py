"""The one place that writes the numbers pages show about reviews.

Film statistics (ratings, reviews, sum, average, histogram) and a review's like count are
recounted from the rows inside the transaction that changed them, with the film row
locked first so that concurrent writers to one film queue instead of overwriting each
other's counts. Recounting, not incrementing, keeps them exact by construction.
"""

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from films.models import Film


def lock_film(film_id):
    """Take the film's row lock for the rest of the transaction (a no-op lock on SQLite,
    whose IMMEDIATE transactions already serialize writers)."""
    return Film.objects.select_for_update().only("pk").get(pk=film_id)


def refresh_film_stats(*film_ids):
    from .models import Review

    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "refresh_film_stats must run inside the transaction that changed reviews"
        )
    for film_id in set(film_ids):
        rows = (
            Review.objects.published()
            .filter(film_id=film_id)
            .values("rating")
            .annotate(ratings=Count("pk"), written=Count("pk", filter=~Q(body="")))
        )
        histogram = [0] * 10
        written = 0
        for row in rows:
            histogram[row["rating"] - 1] = row["ratings"]
            written += row["written"]
        count = sum(histogram)
        total = sum(rating * n for rating, n in enumerate(histogram, start=1))
        Film.objects.filter(pk=film_id).update(
            rating_count=count,
            review_count=written,
            rating_sum=total,
            rating_average=(total / count) if count else None,
            rating_histogram=histogram,
        )


def refresh_like_count(review_id):
    from .models import Like, Review

    likes = (
        Like.objects.filter(review=OuterRef("pk"))
        .order_by()
        .values("review")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Review.objects.filter(pk=review_id).update(
        like_count=Coalesce(Subquery(likes, output_field=IntegerField()), Value(0))
    )


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
