from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = _("Reviews")

    def ready(self):
        from django.db.models.signals import post_migrate

        from . import signals  # noqa: F401

        post_migrate.connect(_restore_search_triggers, sender=self)


def _restore_search_triggers(sender, using="default", **kwargs):
    from django.db import connections

    from .search_schema import ensure_sqlite_review_search_triggers

    ensure_sqlite_review_search_triggers(connections[using])
