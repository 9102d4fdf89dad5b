"""The table of the database cache (settings.CACHES: the login throttle's counts), made by migrate.

`createcachetable` does nothing when the table is already there, so this is safe to run again.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0014_api_tokens")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
