"""Celery tasks of the procedures app (beat runs them; see tracker/settings.py)."""

from celery import shared_task
from django.utils import timezone

from tracker.api.models import IdempotencyKey


@shared_task(name="procedures.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    deleted, _ = IdempotencyKey.objects.expired(timezone.now()).delete()
    return deleted
