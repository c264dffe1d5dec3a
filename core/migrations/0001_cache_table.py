"""Create the database cache table (the shared cache when REDIS_URL is not set) on migrate,
so no deployment step can forget it. A no-op for cache backends that aren't the database."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
