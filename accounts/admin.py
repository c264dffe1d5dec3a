from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.forms import CleanImageField
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
        (_("Profile"), {"fields": ["display_name", "bio", "website", "avatar"]}),
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data:
            # An inactive member's reviews leave the site and the film statistics.
            refresh_stats_for_author(obj.pk)
