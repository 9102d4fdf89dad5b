"""Delivering claimed reminders, a batch at a time on a worker, and what follows from each outcome."""

import datetime as dt
import logging
import time

from django.db import transaction
from django.utils import timezone

from notifications.channels import DeliveryError, transport_for
from notifications.dispatch import (
    LEASE,
    MAX_ATTEMPTS,
    settle_cancelled,
    settle_failed,
    settle_retry,
    settle_sent,
)
from notifications.models import Reminder
from procedures.models import Staff

logger = logging.getLogger(__name__)


# Sends are marked sent together, at least this often: a worker killed -9 mid-batch sends again (after
# its lease) at most what it sent in this time; a slow channel (an SMTP call of 0.3 s) settles each.
SETTLE_EVERY = 0.1  # seconds


def deliver(reminder_id: int, token: str, now: dt.datetime | None = None) -> str:
    """Send one reminder this worker holds the lease of; return what happened (for logs and tests)."""
    return deliver_batch([reminder_id], token, now).get(reminder_id, "not held")


def deliver_batch(reminder_ids: list[int], token: str, now: dt.datetime | None = None) -> dict[int, str]:
    """Send the reminders of one claim that this worker still holds; return what happened to each.

    Per batch, not per reminder: one query loads them, one UPDATE renews their leases, and the sent
    ones are settled with one UPDATE (every SETTLE_EVERY). Errors and cancellations settle one by one.
    Once half a lease has gone by (a slow channel), the rest are held again before they are sent.
    Reminders missing from the result were not held: already settled, or claimed again after this
    lease ran out.
    """
    clock = (lambda: now) if now else timezone.now
    outcomes: dict[int, str] = {}
    sent: dict[int, str] = {}  # id -> provider's message id, sent but not yet marked sent
    settled_at = time.monotonic()
    while reminder_ids:
        reminders, reminder_ids = hold(reminder_ids, token, clock()), []
        renew_after = time.monotonic() + LEASE.total_seconds() / 2
        for position, reminder in enumerate(reminders):
            if position and time.monotonic() > renew_after:
                reminder_ids = [later.pk for later in reminders[position:]]
                break
            outcomes[reminder.pk] = send(reminder, token, clock, sent)
            if time.monotonic() - settled_at >= SETTLE_EVERY:
                settle_sent(sent, token=token, now=clock())
                sent, settled_at = {}, time.monotonic()
    settle_sent(sent, token=token, now=clock())
    return outcomes


def hold(reminder_ids: list[int], token: str, now: dt.datetime) -> list[Reminder]:
    """Load the reminders this token still holds, and give this worker a whole lease for the sends.

    The lease starts at the claim; under a backlog most of it can pass while the task waits in the
    queue, and a send that outlived it would be claimed again and sent twice (seen in
    benchmarks.delivery). The rows are locked while the lease is renewed, so that a dispatcher
    cannot claim one again in between.
    """
    with transaction.atomic():
        reminders = list(
            Reminder.objects.select_related(
                "ward", "procedure__patient", "milestone__step", "recipient_patient", "recipient_staff"
            )
            .select_for_update(of=("self",))
            .filter(pk__in=reminder_ids, status=Reminder.Status.SENDING, lease_token=token, lease_until__gte=now)
            .order_by("due_at", "pk")
        )
        Reminder.objects.filter(pk__in=[reminder.pk for reminder in reminders]).update(lease_until=now + LEASE)
    return reminders


def send(reminder: Reminder, token: str, clock, sent: dict[int, str]) -> str:
    """Send one held reminder; a success goes into `sent`, to be settled with the others."""
    if not may_message(reminder):
        settle_cancelled(reminder, token=token, reason="The patient no longer consents to messages.")
        return "cancelled"
    try:
        sent[reminder.pk] = transport_for(reminder.channel).send(reminder)
    except DeliveryError as error:
        return settle_error(reminder, token, error, clock())
    return "sent"


def may_message(reminder: Reminder) -> bool:
    """Consent is checked again at send time: it may have been withdrawn since the reminder was planned.

    The confirmation of a STOP is the one message sent after consent ends.
    """
    patient = reminder.recipient_patient
    return patient is None or patient.messaging_consent or reminder.message_key == "stop_confirmation"


def settle_error(reminder: Reminder, token: str, error: DeliveryError, now: dt.datetime) -> str:
    attempt = reminder.attempts + 1  # counted when it settles
    logger.warning("Reminder %s: %s (attempt %s)", reminder.pk, error, attempt)
    if error.permanent or attempt >= MAX_ATTEMPTS:
        with transaction.atomic():
            if settle_failed(reminder, token=token, now=now, error=str(error)):
                report_failure(reminder, now)
        return "failed"
    settle_retry(reminder, token=token, now=now, error=str(error))
    return "retry"


def report_failure(reminder: Reminder, now: dt.datetime) -> None:
    """A reminder that could not be delivered is itself reported to the ward's charge nurses."""
    if reminder.kind == Reminder.Kind.FAILURE:
        return  # never report a failed report: the ward board shows it as failed
    Reminder.objects.get_or_create(
        key=f"failure:{reminder.pk}",
        defaults={
            "kind": Reminder.Kind.FAILURE,
            "ward": reminder.ward,
            "procedure": reminder.procedure,
            "milestone": reminder.milestone,
            "recipient_role": Staff.Role.CHARGE_NURSE,
            "channel": Reminder.Channel.INAPP,
            "message_key": reminder.message_key,
            "urgent": True,
            "due_at": now,
        },
    )
