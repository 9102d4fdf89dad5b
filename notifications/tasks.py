"""Celery tasks: thin, taking ids. Beat runs `dispatch` and `escalate`; workers run `deliver_reminders`."""

import math
import time

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.delivery import deliver, deliver_batch
from notifications.dispatch import claim_due
from notifications.escalation import escalate_due
from notifications.models import Heartbeat

# Reminders per delivery task, at most: one Celery message, one load and one lease renewal for this
# many, instead of one each, when a claim is large (a burst of thousands).
CHUNK = 50
# A claim is spread over up to this many tasks, so that reminders due together go out through every
# free process at once: 50 due at one instant are 50 tasks, not 50 sends in a row on one process
# while the others wait (17 s on a 0.3 s channel), and 1,000 are 50 tasks of 20.
SPREAD = 50
# Claims within one beat interval: a reminder waits at most this long for its claim.
PASS_EVERY = 0.2  # seconds


@shared_task(name="notifications.dispatch", ignore_result=True)
def dispatch() -> int:
    """Hand due reminders to workers for one beat interval, in a pass every PASS_EVERY.

    Beat's period alone would make a reminder up to a whole interval late (and claim at most one
    batch a second); passes within the task keep lateness to a fraction of a second. A dispatch
    task waits in the queue behind the deliveries already there, so a backlog slows the claims.
    """
    until = time.monotonic() + settings.DISPATCH_INTERVAL_SECONDS - PASS_EVERY
    claimed = dispatch_pass()
    while time.monotonic() < until:
        time.sleep(PASS_EVERY)
        claimed += dispatch_pass()
    return claimed


def dispatch_pass() -> int:
    claimed = claim_due()  # on the database's clock
    Heartbeat.beat("dispatch", timezone.now())
    hand_out(claimed)
    return len(claimed)


def hand_out(claimed: list[tuple[int, str]]) -> None:
    """Enqueue one claim's reminders for workers, in SPREAD tasks at most (CHUNK at most in each)."""
    size = chunk_size(len(claimed))
    for start in range(0, len(claimed), size):
        chunk = claimed[start : start + size]
        deliver_reminders.delay([pk for pk, _ in chunk], chunk[0][1])  # one claim: one token for all


def chunk_size(claimed: int) -> int:
    return min(CHUNK, max(1, math.ceil(claimed / SPREAD)))


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
