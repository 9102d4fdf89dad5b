"""Claiming due reminders for delivery, and settling the outcomes of deliveries.

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
from django.db.models import Case, F, Value, When
from django.db.models.functions import Coalesce

from notifications.models import Reminder

# A pass claims at most this many reminders: at a pass every 0.2 s (notifications.tasks) that is
# 5,000 a second, more than the workers of one host deliver (~1,400/s on the 2-core development
# machine), and the claim stays one short transaction. A backlog does not pile up claims whose
# leases run out in the queue: the next dispatch task waits behind the deliveries already queued.
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
        # Not an attempt yet: a claim whose lease runs out while it waits in the queue sent nothing.
        Reminder.objects.filter(pk__in=ids).update(
            status=Reminder.Status.SENDING, lease_until=now + LEASE, lease_token=token
        )
    return [(pk, str(token)) for pk in ids]


def locked_ids(queryset, limit: int) -> list[int]:
    if limit <= 0:
        return []
    return list(queryset.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])


def settle_sent(sent: dict[int, str], *, token: str, now: dt.datetime) -> int:
    """Mark deliveries done in one UPDATE, those this token still holds; `sent` maps id -> provider's message id.

    Return how many it marked: a reminder claimed again after this lease ran out is not.
    """
    if not sent:
        return 0
    provider_ids = [When(pk=pk, then=Value(provider_id)) for pk, provider_id in sent.items() if provider_id]
    return held(token, *sent).update(
        status=Reminder.Status.SENT, sent_at=now, lease_until=None, last_error="", attempts=F("attempts") + 1,
        provider_message_id=Case(*provider_ids, default=Value("")) if provider_ids else "",
        escalate_at=Value(now) + F("acknowledge_within"),  # NULL (no escalation) stays NULL
    )  # fmt: skip


def settle_retry(reminder: Reminder, *, token: str, now: dt.datetime, error: str) -> bool:
    """Schedule another try after a temporary error, with exponential backoff and jitter."""
    return (
        held(token, reminder.pk).update(
            status=Reminder.Status.SCHEDULED,
            due_at=now + backoff(reminder.attempts + 1),
            first_due_at=Coalesce("first_due_at", "due_at"),  # lateness counts from it (/healthz)
            lease_until=None,
            last_error=error,
            attempts=F("attempts") + 1,
        )
        == 1
    )


def settle_failed(reminder: Reminder, *, token: str, now: dt.datetime, error: str) -> bool:
    failed = held(token, reminder.pk).update(
        status=Reminder.Status.FAILED, lease_until=None, last_error=error, attempts=F("attempts") + 1
    )
    return failed == 1


def settle_cancelled(reminder: Reminder, *, token: str, reason: str) -> bool:
    """Not to be sent after all (found out at send time); the reason stays visible."""
    changed = held(token, reminder.pk).update(status=Reminder.Status.CANCELLED, lease_until=None, last_error=reason)
    return changed == 1


def held(token: str, *pks: int):
    """The reminders among `pks` that this lease token still holds: a stale token settles nothing."""
    return Reminder.objects.filter(pk__in=pks, status=Reminder.Status.SENDING, lease_token=token)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min... capped at 15 min, each between half and the whole of it (jitter)."""
    ceiling = min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)
    return ceiling * random.uniform(0.5, 1.0)


def release_claims(claimed: list[tuple[int, str]]) -> int:
    """Give back claims that were never handed to a worker (the broker was away): nothing was sent."""
    released = 0
    for token in {token for _, token in claimed}:
        pks = [pk for pk, held_by in claimed if held_by == token]
        released += held(token, *pks).update(status=Reminder.Status.SCHEDULED, lease_until=None, lease_token=None)
    return released


def record_claims(claimed: list[tuple[int, str]]) -> None:
    """Count each claim, for /healthz (notifications.health): a reminder claimed again and again is stuck.

    A separate UPDATE from the claim's: it only reports, and a claim must stay as short as it is.
    """
    if claimed:
        Reminder.objects.filter(pk__in=[pk for pk, _ in claimed]).update(claims=F("claims") + 1)
