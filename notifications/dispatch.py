"""Claiming due reminders for delivery, and settling each delivery's outcome.

A claim is atomic: the rows are locked with SKIP LOCKED on PostgreSQL (SQLite's IMMEDIATE
transactions serialise the whole claim), moved to `sending` with a lease and a fresh token, and
only then handed to workers. Two dispatchers never claim the same row; a worker holding a stale
token (its lease ran out and the reminder was claimed again) can no longer settle it.
"""

import datetime as dt
import random
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F

from notifications.models import Reminder

# A pass claims at most this many reminders: at one pass every 2 s that is 500 a second per
# dispatcher, more than the workers of one host deliver, and the claim stays one short transaction.
BATCH_SIZE = 1000
LEASE = settings.REMINDER_LEASE
MAX_ATTEMPTS = 6
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(minutes=15)


def claim_due(now: dt.datetime, limit: int = BATCH_SIZE) -> list[tuple[int, str]]:
    """Claim up to `limit` due reminders; return (id, lease token) pairs to deliver."""
    token = uuid.uuid4()
    with transaction.atomic():
        due = Reminder.objects.filter(status=Reminder.Status.SCHEDULED, due_at__lte=now).order_by("due_at")
        abandoned = Reminder.objects.filter(status=Reminder.Status.SENDING, lease_until__lt=now).order_by("lease_until")
        ids = locked_ids(due, limit)
        ids += locked_ids(abandoned, limit - len(ids))
        Reminder.objects.filter(pk__in=ids).update(
            status=Reminder.Status.SENDING, lease_until=now + LEASE, lease_token=token, attempts=F("attempts") + 1
        )
    return [(pk, str(token)) for pk in ids]


def locked_ids(queryset, limit: int) -> list[int]:
    if limit <= 0:
        return []
    return list(queryset.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])


def settle_sent(reminder: Reminder, *, token: str, now: dt.datetime, provider_message_id: str = "") -> bool:
    """Mark a delivery done, if this worker still holds its lease. Return whether it did."""
    escalate_at = now + reminder.acknowledge_within if reminder.acknowledge_within else None
    changed = held(reminder, token).update(
        status=Reminder.Status.SENT, sent_at=now, provider_message_id=provider_message_id, lease_until=None,
        escalate_at=escalate_at, last_error="",
    )  # fmt: skip
    return changed == 1


def settle_retry(reminder: Reminder, *, token: str, now: dt.datetime, error: str) -> bool:
    """Schedule another try after a temporary error, with exponential backoff and jitter."""
    return (
        held(reminder, token).update(
            status=Reminder.Status.SCHEDULED,
            due_at=now + backoff(reminder.attempts),
            lease_until=None,
            last_error=error,
        )
        == 1
    )


def settle_failed(reminder: Reminder, *, token: str, now: dt.datetime, error: str) -> bool:
    return held(reminder, token).update(status=Reminder.Status.FAILED, lease_until=None, last_error=error) == 1


def settle_cancelled(reminder: Reminder, *, token: str, reason: str) -> bool:
    """Not to be sent after all (found out at send time); the reason stays visible."""
    changed = held(reminder, token).update(status=Reminder.Status.CANCELLED, lease_until=None, last_error=reason)
    return changed == 1


def held(reminder: Reminder, token: str):
    return Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SENDING, lease_token=token)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min... capped at 15 min, each between half and the whole of it (jitter)."""
    ceiling = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    return ceiling * random.uniform(0.5, 1.0)
