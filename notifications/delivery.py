"""Delivering one claimed reminder, on a worker, and what follows from the outcome."""

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from notifications.channels import DeliveryError, transport_for
from notifications.dispatch import (
    LEASE,
    MAX_ATTEMPTS,
    held,
    settle_cancelled,
    settle_failed,
    settle_retry,
    settle_sent,
)
from notifications.models import Reminder
from procedures.models import Staff

logger = logging.getLogger(__name__)


def deliver(reminder_id: int, token: str, now: dt.datetime | None = None) -> str:
    """Send a reminder this worker holds the lease of; return what happened (for logs and tests)."""
    reminder = (
        Reminder.objects.select_related(
            "ward", "procedure__patient", "milestone__step", "recipient_patient", "recipient_staff"
        )
        .filter(pk=reminder_id, status=Reminder.Status.SENDING, lease_token=token)
        .first()
    )
    if reminder is None or not renew_lease(reminder, token, now or timezone.now()):
        return "not held"  # already settled, or claimed again after this lease ran out
    if not may_message(reminder):
        settle_cancelled(reminder, token=token, reason="The patient no longer consents to messages.")
        return "cancelled"
    try:
        provider_message_id = transport_for(reminder.channel).send(reminder)
    except DeliveryError as error:
        return settle_error(reminder, token, error, now or timezone.now())
    settle_sent(reminder, token=token, now=now or timezone.now(), provider_message_id=provider_message_id)
    return "sent"


def may_message(reminder: Reminder) -> bool:
    """Consent is checked again at send time: it may have been withdrawn since the reminder was planned.

    The confirmation of a STOP is the one message sent after consent ends.
    """
    patient = reminder.recipient_patient
    return patient is None or patient.messaging_consent or reminder.message_key == "stop_confirmation"


def renew_lease(reminder: Reminder, token: str, now: dt.datetime) -> bool:
    """Give this worker a whole lease for the send itself.

    The lease starts at the claim; under a backlog most of it can pass while the task waits in the
    queue, and a send that outlived it would be claimed again and sent twice (seen in
    benchmarks.delivery). Renewing it only while this token still holds the row keeps the claim exclusive.
    """
    return held(reminder, token).filter(lease_until__gte=now).update(lease_until=now + LEASE) == 1


def settle_error(reminder: Reminder, token: str, error: DeliveryError, now: dt.datetime) -> str:
    logger.warning("Reminder %s: %s (attempt %s)", reminder.pk, error, reminder.attempts)
    if error.permanent or reminder.attempts >= MAX_ATTEMPTS:
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
