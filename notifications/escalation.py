"""Staff reminders not acknowledged in time go up the ward's chain: charge nurses, then the doctor on call.

Each step is a new reminder (kind `escalation`) pointing at the reminder the chain started from,
so every step is recorded and visible. One reminder of each step (the ward inbox one) carries the
chain on if it is not acknowledged in its turn. Acknowledging any reminder of a chain acknowledges
the whole chain.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.models import OnCall, Reminder
from procedures.models import Staff
from tracker import board_version

logger = logging.getLogger(__name__)

# How long each escalation step waits for an answer before going one step further.
ESCALATION_WAIT = dt.timedelta(minutes=5)
# After the doctor on call has been told this many times the chain stops growing; the alert stays
# open, red, on the ward board.
LAST_LEVEL = 4
BATCH_SIZE = 200


def escalate_due(now: dt.datetime | None = None) -> int:
    """Escalate every sent reminder whose acknowledgement time has passed; return how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = Reminder.objects.awaiting_acknowledgement(now).select_for_update(skip_locked=True, of=("self",))
        reminders = list(due.select_related("ward", "procedure", "milestone", "escalates")[:BATCH_SIZE])
        for reminder in reminders:
            escalate(reminder, now)
    return len(reminders)


def escalate(reminder: Reminder, now: dt.datetime) -> None:
    root = reminder.escalates or reminder
    level = reminder.escalation_level + 1
    Reminder.objects.filter(pk=reminder.pk).update(escalated_at=now)
    board_version.bump()
    for position, (role, staff, channel) in enumerate(chain_step(reminder.ward, level, now)):
        Reminder.objects.plan(
            key=f"escalation:{root.pk}:{level}:{role or staff.pk}:{channel}",
            kind=Reminder.Kind.ESCALATION,
            ward=reminder.ward,
            procedure=reminder.procedure,
            milestone=reminder.milestone,
            recipient_role=role,
            recipient_staff=staff,
            channel=channel,
            message_key=reminder.message_key,
            red_flag=reminder.red_flag,
            urgent=True,
            due_at=now,
            escalates=root,
            escalation_level=level,
            acknowledge_within=ESCALATION_WAIT if position == 0 and level < LAST_LEVEL else None,
        )


def chain_step(ward, level: int, now: dt.datetime) -> list[tuple[str, Staff | None, str]]:
    """Who is told at escalation `level`: first the charge nurses, then the doctor on call.

    The ward inbox for the charge nurses' role, and each person on every channel she can be reached
    on: e-mail, and SMS when she has a mobile number (the fastest).
    """
    if level == 1:
        people = list(ward.staff.filter(role=Staff.Role.CHARGE_NURSE, is_active=True))
        return [("charge_nurse", None, Reminder.Channel.INAPP), *personal_channels(people)]
    shifts = OnCall.objects.filter(ward=ward, starts_at__lte=now, ends_at__gt=now).select_related("doctor")
    doctors = [shift.doctor for shift in shifts]
    if not doctors:
        logger.error("No doctor on call for %s: escalation level %s goes to the charge nurses again.", ward, level)
        return chain_step(ward, 1, now)
    return [("", doctor, Reminder.Channel.INAPP) for doctor in doctors] + personal_channels(doctors)


def personal_channels(people: list[Staff]) -> list[tuple[str, Staff, str]]:
    return [("", person, Reminder.Channel.SMS) for person in people if person.phone] + [
        ("", person, Reminder.Channel.EMAIL) for person in people if person.email
    ]


@transaction.atomic
def acknowledge(*, reminder: Reminder, by: Staff, now: dt.datetime | None = None) -> Reminder:
    """Acknowledge a staff reminder and every reminder of its escalation chain."""
    now = now or timezone.now()
    root_id = reminder.escalates_id or reminder.pk
    chain = Reminder.objects.filter(pk=root_id) | Reminder.objects.filter(escalates_id=root_id)
    chain.filter(acknowledged_at__isnull=True).update(acknowledged_at=now, acknowledged_by=by)
    board_version.bump()
    reminder.refresh_from_db()
    return reminder


def refusal_to_acknowledge(reminder: Reminder) -> str:
    """Why staff may not acknowledge this reminder, or "" when they may: only a staff reminder, once sent.

    The one rule of the API's and the ward board's acknowledge buttons for a single reminder (a red
    flag's alert is acknowledged whatever its delivery stage: see notifications.alerts).
    """
    if not reminder.for_staff:
        return "Messages to patients are not acknowledged by staff."
    if reminder.status != Reminder.Status.SENT:
        return f"Only a sent reminder can be acknowledged, not {reminder.status}."
    return ""


def acknowledge_sent_reminder(*, reminder: Reminder, by: Staff, now: dt.datetime | None = None) -> Reminder:
    """Acknowledge a sent staff reminder and its chain; any other is refused with a ValidationError."""
    if refusal := refusal_to_acknowledge(reminder):
        raise ValidationError(refusal)
    return acknowledge(reminder=reminder, by=by, now=now)
