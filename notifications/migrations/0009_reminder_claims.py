from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0008_send_lease_and_first_due"),
    ]

    operations = [
        migrations.AddField(
            model_name="reminder",
            name="claims",
            field=models.PositiveIntegerField(default=0, help_text="Times dispatch handed it to a worker."),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("first_due_at__isnull", False), ("status__in", ["scheduled", "sending"])),
                fields=["first_due_at"],
                name="reminder_unsettled_first_due",
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("claims__gt", 1), ("status__in", ["scheduled", "sending"])),
                fields=["claims"],
                name="reminder_unsettled_reclaimed",
            ),
        ),
    ]
