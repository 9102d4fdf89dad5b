import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """IdempotencyKey moves here from procedures: its table stays (procedures_idempotencykey), only
    Django's record of which app owns it changes (procedures 0017 lets it go)."""

    initial = True

    dependencies = [
        ("procedures", "0016_access_log_ward"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=200)),
                        (
                            "request_hash",
                            models.CharField(help_text="SHA-256 of method, path and body.", max_length=64),
                        ),
                        ("status_code", models.PositiveSmallIntegerField()),
                        ("response", models.JSONField()),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "procedures_idempotencykey",
                        "constraints": [models.UniqueConstraint(fields=("user", "key"), name="one_reply_per_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
