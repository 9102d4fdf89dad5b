"""Celery tasks: thin, taking ids. Beat runs `dispatch` and `escalate`; workers run `deliver_reminders`."""

import math
import time
import uuid

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.delivery import deliver, deliver_batch
from notifications.dispatch import claim_due, record_claims, release_claims, surviving_blips
from notifications.dispatch_lock import dispatch_lock
from notifications.escalation import escalate_due
from notifications.models import Heartbeat, Reminder

# Reminders per delivery task, at most: one Celery message, one load and one lease renewal for this
# many, instead of one each, when a claim is large (a burst of thousands).
CHUNK = 50
# A large claim is spread over up to this many tasks: 1,000 due at once are 50 tasks of 20.
SPREAD = 50
# A small claim is shared out by this many tasks, more than the free processes of a host: 50 due at
# one instant on a 0.3 s channel take 2.7 s on six processes, not 17 s on one while the others wait.
HELPERS = 8
REMOTE = (Reminder.Channel.SMS, Reminder.Channel.EMAIL, Reminder.Channel.WEBHOOK)
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
    claimed = surviving_blips(claim_due)  # on the database's clock; again on a new connection after a blip
    Heartbeat.beat("dispatch", timezone.now())
    hand_out(claimed)
    record_claims(claimed)  # after: workers need not wait for a report
    return len(claimed)


def hand_out(claimed: list[tuple[int, str]]) -> None:
    """Enqueue one claim's reminders for workers, in SPREAD tasks at most.

    A small claim (CHUNK at most) that goes to SMS, e-mail or webhooks (a provider taking ~0.1-1 s
    a message) goes to HELPERS tasks that share it out: each sends the next reminder none of the
    others has taken, so every free process takes its share. Any task whose sends turn out slow
    shares out its rest the same way (notifications.delivery.deliver_batch).

    If the broker is away (publishing retries for about two seconds), the claim goes back to
    `scheduled` at once, to be claimed again as soon as Redis answers rather than when its lease runs
    out; a task already queued for it then finds it no longer held and sends nothing.
    """
    if not claimed:
        return
    ids, token = [pk for pk, _ in claimed], claimed[0][1]  # one claim: one token for all
    try:
        if len(ids) <= CHUNK and Reminder.objects.filter(pk__in=ids, channel__in=REMOTE).exists():
            share_out(ids, token, helpers=HELPERS)
            return
        size = chunk_size(len(ids))
        for start in range(0, len(ids), size):
            deliver_reminders.delay(ids[start : start + size], token)
    except Exception:
        release_claims(claimed)
        raise


def share_out(ids: list[int], token: str, *, helpers: int) -> None:
    for _ in range(min(len(ids), helpers)):
        deliver_reminders.delay(ids, token, str(uuid.uuid4()))


def chunk_size(claimed: int) -> int:
    return min(CHUNK, max(1, math.ceil(claimed / SPREAD)))


@shared_task(name="notifications.deliver_batch", ignore_result=True)
def deliver_reminders(reminder_ids: list[int], token: str, sender: str | None = None) -> dict[int, str]:
    """`sender`: this task is one of several sharing the reminders (and shares them no further)."""
    share = None if sender else (lambda rest: share_out(rest, token, helpers=HELPERS - 1))
    return deliver_batch(reminder_ids, token, sender=sender, share=share)


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
