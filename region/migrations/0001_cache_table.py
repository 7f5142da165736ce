"""The table of Django's database cache (``CACHES`` in the settings): one cache shared by every app server,
with nothing to run besides PostgreSQL. ``createcachetable`` makes it if missing and leaves it otherwise."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = []

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
