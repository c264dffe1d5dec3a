"""Any saved or deleted row of the apps whose data public pages show moves the content
version (core.cache), so cached anonymous pages never outlive the data they show."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .cache import bump_after_commit

CONTENT_APPS = {"films", "reviews", "accounts"}


@receiver(post_save)
@receiver(post_delete)
@receiver(m2m_changed)
def content_changed(sender, **kwargs):
    if sender._meta.app_label in CONTENT_APPS:
        bump_after_commit()
