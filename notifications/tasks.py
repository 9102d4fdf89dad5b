"""Celery tasks: thin, taking ids. Beat runs `dispatch` and `escalate`; workers run `deliver_reminders`."""

import math
import time
import uuid

from celery import shared_task
from django.conf import settings
from django.db import transaction

from notifications.delivery import deliver, deliver_batch
from notifications.dispatch import claim_due, record_claims, release_claims, surviving_blips
from notifications.dispatch_lock import dispatch_lock
from notifications.escalation import escalate_due
from notifications.models import Heartbeat, Reminder

# Reminders per task: a claim is handed to one task per this many (one Celery message, a few
# queries for all of them), when its reminders go to channels that answer in a millisecond or two.
CHUNK = 50
# A claim with reminders for SMS, e-mail or webhooks (a provider taking ~0.1-1 s a message) goes to
# this many tasks at least, more than the free processes of a host: each takes the next reminder
# none of the others has taken, so that every free process takes its share of a burst (50 due at
# once on a 0.3 s provider: 8 or 9 sends on each of six processes, not 50 in a row on one).
HELPERS = 8
PROVIDERS = (Reminder.Channel.SMS, Reminder.Channel.EMAIL, Reminder.Channel.WEBHOOK)
# Claims within one beat interval: a reminder waits at most this long for its claim.
PASS_EVERY = 0.1  # seconds


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
    Heartbeat.beat("dispatch")  # on the database's clock too: /healthz compares it with that clock
    hand_out(claimed)
    record_claims(claimed)  # after: workers need not wait for a report
    return len(claimed)


def hand_out(claimed: list[tuple[int, str]]) -> None:
    """Enqueue tasks that share one claim out (notifications.delivery.deliver_batch).

    Every task gets the whole claim and takes the next reminders no other task has taken, until
    none is left: a task whose process is free starts at once, one that starts late finds little or
    nothing left. How many: one per CHUNK; with reminders for SMS, e-mail or webhooks, at least HELPERS
    (as many as reminders, if fewer), so that a burst on a slow provider goes out on every free process.

    If the broker is away (publishing retries for about two seconds), the claim goes back to
    `scheduled` at once, to be claimed again as soon as Redis answers rather than when its lease runs
    out; a task already queued for it then finds it no longer held and sends nothing.
    """
    if not claimed:
        return
    ids, token = [pk for pk, _ in claimed], claimed[0][1]  # one claim: one token for all
    try:
        providers = Reminder.objects.filter(pk__in=ids, channel__in=PROVIDERS).exists()
        tasks = tasks_for(len(ids), providers=providers)
        for _ in range(tasks):
            deliver_reminders.delay(ids, token, str(uuid.uuid4()), helped=tasks >= HELPERS)
    except Exception:
        release_claims(claimed)
        raise


def tasks_for(claimed: int, *, providers: bool) -> int:
    """How many tasks share a claim of this many reminders out (`providers`: some go to SMS, e-mail or webhooks)."""
    by_size = math.ceil(claimed / CHUNK)
    return min(claimed, max(HELPERS, by_size)) if providers else by_size


@shared_task(name="notifications.deliver_batch", ignore_result=True)
def deliver_reminders(
    reminder_ids: list[int], token: str, sender: str | None = None, helped: bool = False
) -> dict[int, str]:
    """`sender`: this task's name among those sharing the claim (a dispatcher before them gave none).

    `helped`: HELPERS tasks share the claim already; otherwise, if its sends turn out slow (the ward
    inbox stands in for a slow provider in a drill, or a channel misbehaves), HELPERS - 1 more join in.
    """

    def share() -> None:
        for _ in range(HELPERS - 1):
            deliver_reminders.delay(reminder_ids, token, str(uuid.uuid4()), helped=True)

    return deliver_batch(reminder_ids, token, sender=sender, share=None if helped else share)


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
