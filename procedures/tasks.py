"""Celery tasks of the procedures app (beat runs them; see tracker/settings.py)."""

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from procedures.models import ResponseDraft
from tracker.api.models import IdempotencyKey


@shared_task(name="procedures.purge_idempotency_keys", ignore_result=True)
def purge_idempotency_keys() -> int:
    deleted, _ = IdempotencyKey.objects.expired(timezone.now()).delete()
    return deleted


@shared_task(name="procedures.purge_closed_drafts", ignore_result=True)
def purge_closed_drafts() -> int:
    """Delete the patients' unsent answers (ResponseDraft) to steps no longer awaited: answered by other
    means, cancelled, or missed. Nobody can send them any more, and they are her health data."""
    now = timezone.now()
    closed = Q(milestone__completed_at__isnull=False) | Q(milestone__cancelled_at__isnull=False)
    deleted, _ = ResponseDraft.objects.filter(closed | Q(milestone__closes_at__lte=now)).delete()
    return deleted
