"""Celery tasks: thin, taking ids. Beat runs `dispatch` and `escalate`; workers run `deliver_reminders`."""

import time

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.delivery import deliver, deliver_batch
from notifications.dispatch import claim_due, record_claims, release_claims
from notifications.dispatch_lock import dispatch_lock
from notifications.escalation import escalate_due
from notifications.models import Heartbeat

# Reminders per delivery task: one Celery message, one load, one lease renewal and one settlement for
# this many, instead of one each. Small enough that a claim of 1,000 spreads over every worker process.
CHUNK = 50
# Claims within one beat interval: a reminder waits at most this long for its claim.
PASS_EVERY = 0.2  # seconds


@shared_task(name="notifications.dispatch", ignore_result=True)
def dispatch() -> int:
    """Hand due reminders to workers for one beat interval, in a pass every PASS_EVERY.

    Beat's period alone would make a reminder up to a whole interval late (and claim at most one
    batch a second); passes within the task keep lateness to a fraction of a second. Dispatch has
    its own queue and worker process (settings.CELERY_TASK_ROUTES), so deliveries never delay it
    nor it them; and one loop runs at a time, however many beats start tasks (dispatch_lock).
    """
    with dispatch_lock() as mine:
        if not mine:
            return 0  # another dispatch task (a second beat's) is running the loop for this second
        until = time.monotonic() + settings.DISPATCH_INTERVAL_SECONDS - PASS_EVERY
        claimed = dispatch_pass()
        while time.monotonic() < until:
            time.sleep(PASS_EVERY)
            claimed += dispatch_pass()
        return claimed


def dispatch_pass() -> int:
    now = timezone.now()
    claimed = claim_due(now)
    Heartbeat.beat("dispatch", now)
    hand_out(claimed)
    record_claims(claimed)  # after: workers need not wait for a report
    return len(claimed)


def hand_out(claimed: list[tuple[int, str]]) -> None:
    """Enqueue one claim's reminders for workers, one task per CHUNK of them.

    If the broker is away (publishing retries for about two seconds), what was not handed out goes
    back to `scheduled` at once, so that it is claimed again as soon as Redis answers rather than
    when its lease runs out.
    """
    for start in range(0, len(claimed), CHUNK):
        chunk = claimed[start : start + CHUNK]
        try:
            deliver_reminders.delay([pk for pk, _ in chunk], chunk[0][1])  # one claim: one token for all
        except Exception:
            release_claims(claimed[start:])
            raise


@shared_task(name="notifications.deliver_batch", ignore_result=True)
def deliver_reminders(reminder_ids: list[int], token: str) -> dict[int, str]:
    return deliver_batch(reminder_ids, token)


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_reminder(reminder_id: int, token: str) -> str:
    """One reminder: what dispatchers before batching enqueued, still delivered after an upgrade."""
    return deliver(reminder_id, token)


@shared_task(name="notifications.escalate", ignore_result=True)
def escalate() -> int:
    escalated = escalate_due()
    if escalated:
        # Escalation reminders are due now: hand them to workers without waiting for the next pass.
        transaction.on_commit(dispatch.delay)
    return escalated
