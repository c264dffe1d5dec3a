"""Moderators also read the moderation log and review revisions, and may suspend members."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EXTRA_PERMISSIONS = [
    ("reviews", "view_moderationlog"),
    ("reviews", "view_reviewrevision"),
    ("reviews", "suspend_member"),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, codename in EXTRA_PERMISSIONS:
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Moderators"):
        for app_label, codename in EXTRA_PERMISSIONS:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0003_moderation_log_revisions_open_reports"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
