from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models, transaction
from django.db.models import Count, Max, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from . import stats
from .models import ModerationLog, Reply, Report, Review, ReviewRevision, Status

Action = ModerationLog.Action


def open_report_count(target_field):
    """A correlated subquery: open reports on each row of a review or reply changelist."""
    reports = (
        Report.objects.open()
        .filter(**{target_field: OuterRef("pk")})
        .order_by()
        .values(target_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(reports, output_field=models.IntegerField()), 0)


class OpenReportsFilter(admin.SimpleListFilter):
    title = gettext_lazy("open reports")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Reported")), ("no", gettext_lazy("Not reported"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(open_reports__gt=0)
        if self.value() == "no":
            return queryset.filter(open_reports=0)
        return queryset


class ModerationAdmin(admin.ModelAdmin):
    """Moderators change a post's visibility, never its words. Every change is logged."""

    actions = ["hide", "restore"]
    list_per_page = 50
    show_full_result_count = False
    report_field = ""

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(open_reports=open_report_count(self.report_field))
        )

    @admin.display(description=gettext_lazy("Open reports"), ordering="open_reports")
    def open_report_total(self, obj):
        return obj.open_reports

    def _set_status(self, request, queryset, status, action):
        with transaction.atomic():
            changing = list(queryset.exclude(status=status).select_related(*self.log_related))
            changed = queryset.model.objects.filter(pk__in=[o.pk for o in changing]).set_status(
                status
            )
            ModerationLog.record(request.user, action, changing)
        return changed

    @admin.action(description=gettext_lazy("Hide selected from the site"), permissions=["change"])
    def hide(self, request, queryset):
        changed = self._set_status(request, queryset, Status.HIDDEN, Action.HIDE)
        self.message_user(
            request, ngettext("%d item hidden.", "%d items hidden.", changed) % changed
        )

    @admin.action(description=gettext_lazy("Restore selected to the site"), permissions=["change"])
    def restore(self, request, queryset):
        changed = self._set_status(request, queryset, Status.PUBLISHED, Action.RESTORE)
        self.message_user(
            request, ngettext("%d item restored.", "%d items restored.", changed) % changed
        )


class RevisionInline(admin.TabularInline):
    """What the review said before each of its author's edits (read-only)."""

    model = ReviewRevision
    extra = 0
    can_delete = False
    fields = ["written", "replaced", "rating", "headline", "body", "contains_spoilers"]
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("Earlier versions (newest first)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Review)
class ReviewAdmin(ModerationAdmin):
    report_field = "review"
    log_related = ["author", "film"]
    list_display = [
        "__str__",
        "headline",
        "film",
        "author",
        "rating",
        "contains_spoilers",
        "status",
        "open_report_total",
        "like_count",
        "edited",
        "created",
    ]
    list_filter = [
        OpenReportsFilter,
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
    inlines = [RevisionInline]
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

    @admin.action(
        description=gettext_lazy("Mark selected as containing spoilers"), permissions=["change"]
    )
    def mark_spoilers(self, request, queryset):
        with transaction.atomic():
            changing = list(
                queryset.filter(contains_spoilers=False).select_related(*self.log_related)
            )
            changed = Review.objects.filter(pk__in=[r.pk for r in changing]).mark_spoilers()
            ModerationLog.record(request.user, Action.MARK_SPOILERS, changing)
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
            if "status" in form.changed_data:
                action = Action.HIDE if obj.status == Status.HIDDEN else Action.RESTORE
                ModerationLog.record(request.user, action, [obj])
            if "contains_spoilers" in form.changed_data and obj.contains_spoilers:
                ModerationLog.record(request.user, Action.MARK_SPOILERS, [obj])


@admin.register(Reply)
class ReplyAdmin(ModerationAdmin):
    report_field = "reply"
    log_related = ["author"]
    list_display = ["__str__", "excerpt", "author", "status", "open_report_total", "created"]
    list_filter = [
        OpenReportsFilter,
        "status",
        "created",
        ("review__film", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["author", "review"]
    search_fields = ["body", "author__username", "review__film__title"]
    date_hierarchy = "created"
    readonly_fields = ["review", "author", "body", "created"]
    fields = ["review", "author", "body", "status", "created"]

    @admin.display(description=gettext_lazy("Reply"))
    def excerpt(self, reply):
        return reply.body[:80]

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if "status" in form.changed_data:
                action = Action.HIDE if obj.status == Status.HIDDEN else Action.RESTORE
                ModerationLog.record(request.user, action, [obj])


QUEUE_ORDERS = {"reported": ["-reports", "-latest"], "newest": ["-latest", "-reports"]}


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reason", "review", "reply", "created", "resolved_at", "resolved_by"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = [
        "reporter",
        "resolved_by",
        "review__film",
        "review__author",
        "reply__author",
    ]
    readonly_fields = [
        "reporter",
        "review",
        "reply",
        "reason",
        "note",
        "created",
        "resolved_by",
        "resolved_at",
    ]
    search_fields = ["note", "reporter__username"]
    actions = ["resolve"]
    change_list_template = "admin/reviews/report/change_list.html"

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Resolve selected reports"), permissions=["change"])
    def resolve(self, request, queryset):
        with transaction.atomic():
            reports = list(
                queryset.open().select_related("review__author", "review__film", "reply__author")
            )
            changed = Report.objects.filter(pk__in=[r.pk for r in reports]).resolve(request.user)
            targets = {(type(r.target), r.target.pk): r.target for r in reports}
            ModerationLog.record(request.user, Action.RESOLVE, targets.values())
        self.message_user(
            request, ngettext("%d report resolved.", "%d reports resolved.", changed) % changed
        )

    def get_urls(self):
        return [
            path(
                "queue/",
                self.admin_site.admin_view(self.queue_view),
                name="reviews_report_queue",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _queue_target(request):
        """The review or reply a queue action is about (from the POST), or None."""
        for field, model, related in (
            ("review", Review, ["author", "film"]),
            ("reply", Reply, ["author"]),
        ):
            pk = request.POST.get(field, "")
            if pk.isdigit():
                return field, model.objects.select_related(*related).filter(pk=pk).first()
        return None, None

    def _queue_action(self, request):
        field, target = self._queue_target(request)
        action = request.POST.get("action")
        if target is None or action not in ("resolve", "hide", "suspend"):
            self.message_user(request, _("That item no longer exists."), messages.WARNING)
            return
        model_name = target._meta.model_name
        needed = {
            "resolve": "reviews.change_report",
            "hide": f"reviews.change_{model_name}",
            "suspend": "reviews.suspend_member",
        }[action]
        if not request.user.has_perm(needed) or not request.user.has_perm("reviews.change_report"):
            raise PermissionDenied
        author = target.author
        if action == "suspend" and (author.is_staff or author.pk == request.user.pk):
            self.message_user(
                request, _("Staff accounts can't be suspended from the queue."), messages.ERROR
            )
            return
        with transaction.atomic():
            if action == "hide":
                type(target).objects.filter(pk=target.pk).set_status(Status.HIDDEN)
                ModerationLog.record(request.user, Action.HIDE, [target])
                done = _("Hidden, and its reports resolved.")
            elif action == "suspend":
                author.set_suspended(True)
                ModerationLog.record(request.user, Action.SUSPEND, [author], note=str(target))
                done = _("%(name)s is suspended, and the reports resolved.") % {
                    "name": author.username
                }
            else:
                done = _("Reports resolved.")
            Report.objects.filter(**{field: target}).resolve(request.user)
            ModerationLog.record(request.user, Action.RESOLVE, [target])
        self.message_user(request, done, messages.SUCCESS)

    @staticmethod
    def _queue_rows(page_groups):
        """The page's reported items, each with its target and its open reports: a fixed
        number of queries for the whole page."""
        review_ids = [g["review_id"] for g in page_groups if g["review_id"]]
        reply_ids = [g["reply_id"] for g in page_groups if g["reply_id"]]
        reviews = Review.objects.select_related("author", "film").in_bulk(review_ids)
        replies = Reply.objects.select_related("author", "review__film").in_bulk(reply_ids)
        reports = {}
        for report in (
            Report.objects.open()
            .filter(Q(review_id__in=review_ids) | Q(reply_id__in=reply_ids))
            .select_related("reporter")
            .order_by("-created")
        ):
            key = ("review", report.review_id) if report.review_id else ("reply", report.reply_id)
            reports.setdefault(key, []).append(report)
        rows = []
        for group in page_groups:
            if group["review_id"]:
                kind, target = "review", reviews.get(group["review_id"])
            else:
                kind, target = "reply", replies.get(group["reply_id"])
            if target is None:
                continue
            rows.append(
                {
                    "kind": kind,
                    "target": target,
                    "count": group["reports"],
                    "latest": group["latest"],
                    "reports": reports.get((kind, target.pk), []),
                }
            )
        return rows

    @method_decorator(require_http_methods(["GET", "HEAD", "POST"]))
    def queue_view(self, request):
        """Open reports grouped by the item they are about, most reported (or newest) first,
        with the actions a moderator takes on the item."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            self._queue_action(request)
            return redirect(request.get_full_path())
        order = request.GET.get("order", "reported")
        if order not in QUEUE_ORDERS:
            order = "reported"
        groups = (
            Report.objects.open()
            .order_by()
            .values("review_id", "reply_id")
            .annotate(reports=Count("pk"), latest=Max("created"))
            .order_by(*QUEUE_ORDERS[order], "review_id", "reply_id")
        )
        page = Paginator(groups, 25).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Moderation queue"),
            "page": page,
            "rows": self._queue_rows(list(page)),
            "order": order,
            "can_change": self.has_change_permission(request),
            "can_hide_review": request.user.has_perm("reviews.change_review"),
            "can_hide_reply": request.user.has_perm("reviews.change_reply"),
            "can_suspend": request.user.has_perm("reviews.suspend_member"),
            "log_url": reverse("admin:reviews_moderationlog_changelist"),
        }
        return TemplateResponse(request, "admin/reviews/report/queue.html", context)


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    """The record of every moderation action; nobody edits or deletes it here."""

    list_display = ["created", "actor", "action", "target", "note"]
    list_filter = ["action", "created"]
    list_select_related = ["actor"]
    search_fields = ["target", "note", "actor__username"]
    date_hierarchy = "created"
    fields = ["created", "actor", "action", "target", "review", "reply", "user", "note"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
