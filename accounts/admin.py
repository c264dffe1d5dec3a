from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.forms import CleanImageField
from reviews.models import ModerationLog
from reviews.stats import refresh_stats_for_author

from .models import User


class UserChangeForm(BaseUserAdmin.form):
    avatar = CleanImageField(label=_("Avatar"), required=False)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserChangeForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["username", "display_name", "email", "is_active", "is_staff", "date_joined"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Profile"), {"fields": ["display_name", "bio", "website", "avatar", "spoiler_safe"]}),
    ]
    actions = ["suspend", "reinstate"]

    def has_suspend_permission(self, request):
        return request.user.has_perm("reviews.suspend_member")

    def _suspend(self, request, queryset, suspended):
        action = ModerationLog.Action.SUSPEND if suspended else ModerationLog.Action.UNSUSPEND
        # Staff are not suspended from a bulk action; take their staff status first.
        members = queryset.filter(is_active=suspended, is_staff=False).exclude(pk=request.user.pk)
        changed = []
        with transaction.atomic():
            for member in members:
                if member.set_suspended(suspended):
                    changed.append(member)
            ModerationLog.record(request.user, action, changed)
        return len(changed)

    @admin.action(
        description=_("Suspend selected members (hides their content)"),
        permissions=["suspend"],
    )
    def suspend(self, request, queryset):
        n = self._suspend(request, queryset, True)
        self.message_user(request, ngettext("%d member suspended.", "%d members suspended.", n) % n)

    @admin.action(description=_("Lift the suspension of selected members"), permissions=["suspend"])
    def reinstate(self, request, queryset):
        n = self._suspend(request, queryset, False)
        self.message_user(
            request, ngettext("%d member reinstated.", "%d members reinstated.", n) % n
        )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and "is_active" in form.changed_data:
                # An inactive member's reviews leave the site and the film statistics.
                refresh_stats_for_author(obj.pk)
                action = (
                    ModerationLog.Action.UNSUSPEND
                    if obj.is_active
                    else ModerationLog.Action.SUSPEND
                )
                ModerationLog.record(request.user, action, [obj])
