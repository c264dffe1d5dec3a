from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import stats
from .models import Reply, Report, Review, Status


class ModerationAdmin(admin.ModelAdmin):
    """Moderators change a post's visibility, never its words."""

    actions = ["hide", "restore"]
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Hide selected from the site"), permissions=["change"])
    def hide(self, request, queryset):
        changed = queryset.set_status(Status.HIDDEN)
        self.message_user(
            request, ngettext("%d item hidden.", "%d items hidden.", changed) % changed
        )

    @admin.action(description=_("Restore selected to the site"), permissions=["change"])
    def restore(self, request, queryset):
        changed = queryset.set_status(Status.PUBLISHED)
        self.message_user(
            request, ngettext("%d item restored.", "%d items restored.", changed) % changed
        )


@admin.register(Review)
class ReviewAdmin(ModerationAdmin):
    list_display = [
        "__str__",
        "headline",
        "film",
        "author",
        "rating",
        "contains_spoilers",
        "status",
        "like_count",
        "created",
    ]
    list_filter = [
        "status",
        "contains_spoilers",
        "rating",
        "created",
        ("film", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["film", "author"]
    search_fields = ["headline", "body", "film__title", "author__username"]
    date_hierarchy = "created"
    actions = [*ModerationAdmin.actions, "mark_spoilers"]
    readonly_fields = [
        "film",
        "author",
        "rating",
        "headline",
        "body",
        "created",
        "updated",
        "edited",
        "like_count",
    ]
    fields = [
        "film",
        "author",
        "rating",
        "headline",
        "body",
        "contains_spoilers",
        "status",
        "created",
        "updated",
        "edited",
        "like_count",
    ]

    @admin.action(description=_("Mark selected as containing spoilers"), permissions=["change"])
    def mark_spoilers(self, request, queryset):
        changed = queryset.mark_spoilers()
        self.message_user(
            request,
            ngettext(
                "%d review marked as containing spoilers.",
                "%d reviews marked as containing spoilers.",
                changed,
            )
            % changed,
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change):
        # A status change moves the film's stats; keep them exact in the same transaction.
        with transaction.atomic():
            stats.lock_film(obj.film_id)
            super().save_model(request, obj, form, change)
            stats.refresh_film_stats(obj.film_id)


@admin.register(Reply)
class ReplyAdmin(ModerationAdmin):
    list_display = ["__str__", "excerpt", "author", "status", "created"]
    list_filter = ["status", "created", ("review__film", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["author", "review"]
    search_fields = ["body", "author__username", "review__film__title"]
    date_hierarchy = "created"
    readonly_fields = ["review", "author", "body", "created"]
    fields = ["review", "author", "body", "status", "created"]

    @admin.display(description=_("Reply"))
    def excerpt(self, reply):
        return reply.body[:80]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reason", "review", "reply", "created", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["reporter", "review__film", "review__author", "reply__author"]
    readonly_fields = ["reporter", "review", "reply", "reason", "note", "created"]
    search_fields = ["note", "reporter__username"]
