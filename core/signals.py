"""Any saved or deleted row of the apps whose data public pages show moves the content
version (core.cache), so cached anonymous pages never outlive the data they show. A row
of the catalog (the films app, but for its record of searches) moves the catalog version
too, which the fragments of a film's own facts are keyed by."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .cache import bump_after_commit

CONTENT_APPS = {"films", "reviews", "accounts"}
NOT_CATALOG = {"searchquery"}


@receiver(post_save)
@receiver(post_delete)
@receiver(m2m_changed)
def content_changed(sender, **kwargs):
    meta = sender._meta
    if meta.app_label in CONTENT_APPS:
        bump_after_commit(catalog=meta.app_label == "films" and meta.model_name not in NOT_CATALOG)
