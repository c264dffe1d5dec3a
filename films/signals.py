"""Keep the search index in step with single-row edits (the admin, the shell, seeds).
Bulk writes skip signals: the IMDb importer and `rebuild_search_index` refresh it
themselves through films.search."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import AlternativeTitle, Film, Person
from .search import normalize, reindex_films


@receiver(pre_save, sender=Person)
def normalize_person_name(sender, instance, **kwargs):
    instance.search_name = normalize(instance.name)[:200]


@receiver(post_save, sender=Film)
def reindex_saved_film(sender, instance, raw=False, **kwargs):
    if not raw:
        reindex_films([instance.pk])


@receiver(post_save, sender=AlternativeTitle)
@receiver(post_delete, sender=AlternativeTitle)
def reindex_film_of_alternative_title(sender, instance, raw=False, **kwargs):
    if not raw and instance.film_id and Film.objects.filter(pk=instance.film_id).exists():
        reindex_films([instance.film_id])
