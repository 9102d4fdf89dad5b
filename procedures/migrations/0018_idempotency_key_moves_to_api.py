from django.db import migrations


class Migration(migrations.Migration):
    """IdempotencyKey now belongs to tracker.api (its migration 0001); the table stays as it is."""

    dependencies = [
        ("procedures", "0017_response_drafts"),
        ("api", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyKey")],
            database_operations=[],
        ),
    ]
