"""Patient.links_revoked_at goes: since notifications 0005 each link is a row revoked on its own, and the
field said "links issued before this time no longer open" while nothing read it. A time set on it is
honoured once, here: the links issued before it are revoked."""

from django.db import migrations


def revoke_links_issued_before(apps, schema_editor):
    Patient = apps.get_model("procedures", "Patient")
    PatientLink = apps.get_model("notifications", "PatientLink")
    for pk, revoked_at in Patient.objects.filter(links_revoked_at__isnull=False).values_list("pk", "links_revoked_at"):
        PatientLink.objects.filter(patient_id=pk, issued_at__lte=revoked_at, revoked_at__isnull=True).update(
            revoked_at=revoked_at
        )


class Migration(migrations.Migration):
    dependencies = [
        ("procedures", "0019_publish_default_protocol_v2"),
        ("notifications", "0005_patient_links"),
    ]

    operations = [
        migrations.RunPython(revoke_links_issued_before, migrations.RunPython.noop),
        migrations.RemoveField(model_name="historicalpatient", name="links_revoked_at"),
        migrations.RemoveField(model_name="patient", name="links_revoked_at"),
    ]
