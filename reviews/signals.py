"""Deletes that cascade (a film, a user) bypass Review methods, and replies change through
the site and the admin alike: keep stats and counts exact for them.

Film rows are locked before their stats are recounted, as every other review write does:
when a member is deleted, all the films they rated are locked up front in one order (the
same sorted order moderation uses), so concurrent writers queue instead of deadlocking.
"""

from django.conf import settings
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import Like, Reply, Review
from .stats import lock_film, refresh_film_stats, refresh_like_count, refresh_reply_counts


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def lock_films_of_deleted_member(sender, instance, **kwargs):
    film_ids = Review.objects.filter(author=instance).values_list("film_id", flat=True)
    for film_id in sorted(set(film_ids)):
        lock_film(film_id)


@receiver(post_delete, sender=Review)
def review_deleted(sender, instance, **kwargs):
    lock_film(instance.film_id)
    refresh_film_stats(instance.film_id)


@receiver(post_delete, sender=Like)
def like_deleted(sender, instance, **kwargs):
    refresh_like_count(instance.review_id)


@receiver(post_save, sender=Reply)
@receiver(post_delete, sender=Reply)
def reply_changed(sender, instance, **kwargs):
    """A reply posted, edited (a moderator's status change in the admin) or deleted."""
    refresh_reply_counts(instance.review_id)
