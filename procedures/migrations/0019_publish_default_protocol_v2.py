"""Publish version 2 of the default protocol (the recovery checks), shipped as a draft by 0013.

From now on new procedures follow it: at each check the patient gets a message with her link and,
if she has not answered after 2 days, one reminder (notifications.outbox). Procedures already
scheduled keep the version they were scheduled with. A site whose version 2 is its own (0013 adds
the shipped one only where there was none) publishes it itself, when it is ready: it is left alone
unless its steps are the shipped recovery checks.
"""

from django.db import migrations
from django.utils import timezone

CODE = "vertebral-augmentation"
CHECKS = {"prom_baseline", "prom_1w", "prom_1m", "prom_3m", "prom_6m", "prom_12m"}


def publish(apps, schema_editor):
    Protocol = apps.get_model("procedures", "Protocol")
    second = Protocol.objects.filter(code=CODE, version=2, published_at__isnull=True).first()
    if second is None or not CHECKS.issubset(second.steps.values_list("code", flat=True)):
        return
    second.published_at = timezone.now()
    second.save(update_fields=["published_at"])


def unpublish(apps, schema_editor):
    Protocol = apps.get_model("procedures", "Protocol")
    second = Protocol.objects.filter(code=CODE, version=2).first()
    if second is not None and not second.procedures.exists():
        Protocol.objects.filter(pk=second.pk).update(published_at=None)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0018_idempotency_key_moves_to_api")]
    operations = [migrations.RunPython(publish, unpublish)]
