"""Deletes that cascade (a film, a user) bypass Review methods; keep stats exact for them."""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from .models import Like, Review
from .stats import refresh_film_stats, refresh_like_count


@receiver(post_delete, sender=Review)
def review_deleted(sender, instance, **kwargs):
    refresh_film_stats(instance.film_id)


@receiver(post_delete, sender=Like)
def like_deleted(sender, instance, **kwargs):
    refresh_like_count(instance.review_id)
