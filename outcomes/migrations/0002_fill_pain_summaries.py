"""Compute the pain summary of every procedure that existed before summaries were kept."""

from django.db import migrations


def fill(apps, schema_editor):
    from outcomes.summary import refresh

    Procedure = apps.get_model("procedures", "Procedure")
    ids = Procedure.objects.values_list("pk", flat=True)
    refresh(ids, procedure_model=Procedure, summary_model=apps.get_model("outcomes", "PainSummary"))


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_pain_summary")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
