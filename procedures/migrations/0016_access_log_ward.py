import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("procedures", "0015_cache_table")]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="ward",
            field=models.ForeignKey(
                blank=True,
                help_text="For a view of a whole ward (the board), which names no single patient.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="procedures.ward",
            ),
        ),
    ]
