"""Keeping a procedure's reminders in step with its milestones.

Called (through procedures.signals.timeline_changed) inside the transaction that changed the
milestones: new milestones get reminders, moved ones move their scheduled reminders, completed or
cancelled ones cancel what has not been sent yet. Each reminder has a unique key, so running this
twice, or in two processes at once, never creates one twice.

A step whose window closes (a questionnaire) gets nothing sent from the time it closes: a reminder
that would go at or after that time is not planned, or is cancelled if the times moved.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from notifications.messages import APPOINTMENT_KEYS
from notifications.models import Reminder
from notifications.quiet_hours import release_at
from procedures.models import Milestone, Patient, Procedure, ProtocolStep, Staff, Ward
from tracker import board_version

MORNING = dt.time(8, 0)
# A questionnaire step: the patient is asked when it is due and, if she has not answered, once more
# this long after (issue 14). Completing the step cancels the reminder (`close`).
QUESTIONNAIRE_REMINDER_KEY = "questionnaire_reminder"
QUESTIONNAIRE_REMINDER_AFTER = dt.timedelta(days=2)
WINDOW_CLOSED = "The step's window closed before this was sent."


@dataclass(frozen=True)
class Plan:
    key: str
    milestone: Milestone
    channel: str
    message_key: str
    due_at: dt.datetime
    recipient_role: str = ""
    for_patient: bool = False
    acknowledge_within: dt.timedelta | None = None


def sync_reminders(procedure: Procedure, now: dt.datetime) -> None:
    """Create, move or cancel the procedure's milestone reminders to match its milestones."""
    milestones = list(procedure.milestones.select_related("step", "completed_by"))
    existing = {r.key: r for r in Reminder.objects.filter(procedure=procedure, kind=Reminder.Kind.MILESTONE)}
    for milestone in milestones:
        plans = plans_for(milestone, procedure)
        if milestone.is_open:
            for plan in plans:
                if after_window(plan, now):
                    drop(existing.get(plan.key))
                else:
                    schedule(existing.get(plan.key), plan, procedure, now)
        else:
            close(milestone, [existing[p.key] for p in plans if p.key in existing], now)


def plans_for(milestone: Milestone, procedure: Procedure) -> list[Plan]:
    step, patient, ward = milestone.step, procedure.patient, procedure.patient.ward
    message_key = step.message
    plans = []
    if step.notifies_staff:
        plans.append(
            Plan(
                f"m{milestone.pk}:nurse:inapp",
                milestone,
                Reminder.Channel.INAPP,
                message_key,
                milestone.due_at,
                recipient_role=Staff.Role.NURSE,
                acknowledge_within=step.acknowledge_within,
            )
        )
    if step.notifies_staff and settings.WEBHOOK_URL:
        plans.append(
            Plan(
                f"m{milestone.pk}:interface:webhook",
                milestone,
                Reminder.Channel.WEBHOOK,
                message_key,
                milestone.due_at,
                recipient_role=Reminder.INTERFACE_ENGINE,
            )
        )
    channel = patient_channel(patient)
    if step.notifies_patient and channel:
        for variant, due_at, key in patient_times(milestone, message_key, ward.zone):
            plans.append(
                Plan(
                    f"m{milestone.pk}:patient:{channel}:{variant}",
                    milestone,
                    channel,
                    key,
                    release_at(due_at, ward.zone, ward.quiet_hours_start, ward.quiet_hours_end),
                    for_patient=True,
                )
            )
    return plans


def patient_channel(patient) -> str:
    if not patient.messaging_consent:
        return ""
    if patient.phone:
        return Reminder.Channel.SMS
    return Reminder.Channel.EMAIL if patient.email else ""


def patient_times(milestone: Milestone, message_key: str, zone) -> list[tuple[str, dt.datetime, str]]:
    """(variant, when, message key) of each message to the patient for this milestone.

    An appointment is announced the day before and on the morning. A questionnaire is asked for when
    it is due (the time point of the studies, not the first day it may be answered: the window opens
    early only so that an answer given a little before counts), and once more QUESTIONNAIRE_REMINDER_AFTER
    later. Anything else is said when it is due.
    """
    due = milestone.due_at
    if message_key in APPOINTMENT_KEYS:
        local = due.astimezone(zone)
        morning = dt.datetime.combine(local.date(), MORNING, tzinfo=zone).astimezone(dt.UTC)
        return [("day_before", due - dt.timedelta(days=1), message_key), ("morning", min(morning, due), message_key)]
    if milestone.step.records == ProtocolStep.Records.QUESTIONNAIRE:
        return [
            ("due", due, message_key),
            ("reminder", due + QUESTIONNAIRE_REMINDER_AFTER, QUESTIONNAIRE_REMINDER_KEY),
        ]
    return [("due", due, message_key)]


def after_window(plan: Plan, now: dt.datetime) -> bool:
    """Whether the reminder would go (at its time, or now if that is past) once its step can no longer be done."""
    closes_at = plan.milestone.closes_at
    return closes_at is not None and max(plan.due_at, now) >= closes_at


def drop(reminder: Reminder | None) -> None:
    """Cancel a reminder not yet sent whose step will have closed by its time (never one already sent)."""
    if reminder is not None:
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SCHEDULED).update(
            status=Reminder.Status.CANCELLED, last_error=WINDOW_CLOSED
        )
        board_version.bump()


def schedule(reminder: Reminder | None, plan: Plan, procedure: Procedure, now: dt.datetime) -> None:
    if reminder is None:
        create(plan, procedure)
    elif reminder.status == Reminder.Status.SCHEDULED and reminder.due_at != plan.due_at:
        # A new time for the milestone: its retries (if any) start over from it.
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.SCHEDULED).update(
            due_at=plan.due_at, first_due_at=None
        )
    elif reminder.status == Reminder.Status.CANCELLED and plan.for_patient and plan.due_at > now:
        # Consent given again: what is still to come is sent after all (never what is already past).
        Reminder.objects.filter(pk=reminder.pk, status=Reminder.Status.CANCELLED).update(
            status=Reminder.Status.SCHEDULED, due_at=plan.due_at, last_error=""
        )


def create(plan: Plan, procedure: Procedure) -> None:
    # A concurrent sync may have planned the same key a moment ago: the key makes that harmless.
    Reminder.objects.plan(
        key=plan.key,
        kind=Reminder.Kind.MILESTONE,
        ward=procedure.patient.ward,
        procedure=procedure,
        milestone=plan.milestone,
        recipient_role=plan.recipient_role,
        recipient_patient=procedure.patient if plan.for_patient else None,
        channel=plan.channel,
        message_key=plan.message_key,
        due_at=plan.due_at,
        acknowledge_within=plan.acknowledge_within,
    )


def close(milestone: Milestone, reminders: list[Reminder], now: dt.datetime) -> None:
    """The milestone is done or cancelled: unsent reminders are cancelled, sent ones count as answered."""
    ids = [r.pk for r in reminders]
    Reminder.objects.filter(pk__in=ids, status=Reminder.Status.SCHEDULED).update(status=Reminder.Status.CANCELLED)
    if milestone.completed_at:
        chain = Reminder.objects.filter(pk__in=ids) | Reminder.objects.filter(escalates__in=ids)
        chain.filter(acknowledged_at__isnull=True).update(
            acknowledged_at=milestone.completed_at, acknowledged_by=milestone.completed_by
        )
    board_version.bump()


def follow_patient(patient, now: dt.datetime) -> None:
    """Consent, phone or e-mail changed: unsent messages move to the channel that now applies, or stop."""
    channel = patient_channel(patient)
    Reminder.objects.filter(
        recipient_patient=patient, kind=Reminder.Kind.MILESTONE, status=Reminder.Status.SCHEDULED
    ).exclude(channel=channel).update(status=Reminder.Status.CANCELLED)
    if channel:
        for procedure in patient.procedures.exclude(status=Procedure.Status.CANCELLED):
            sync_reminders(procedure, now)


def cancel_patient_reminders(patient) -> int:
    """Stop every message not yet sent to this patient (consent withdrawn)."""
    return Reminder.objects.filter(
        recipient_patient=patient, status__in=[Reminder.Status.SCHEDULED, Reminder.Status.SENDING]
    ).update(status=Reminder.Status.CANCELLED)


def move_to_ward(*, patient: Patient, ward: Ward) -> int:
    """The patient moved to `ward`: what is not yet sent, and every staff line not yet answered, goes with her.

    Open alerts, ward-inbox lines and their escalation chains are then seen, acknowledged and
    escalated on the new ward (its charge nurses, its doctor on call). Sent messages and answered
    lines stay where they happened, as history. Unsent messages to a named person of the old ward
    (an escalation step) are cancelled: the new ward's chain takes over. Due times are re-planned
    afterwards by `sync_reminders`, in the new ward's zone and quiet hours. Return how many moved.
    """
    hers = Reminder.objects.filter(procedure__patient=patient).exclude(ward=ward)
    unsent = Q(status__in=[Reminder.Status.SCHEDULED, Reminder.Status.SENDING])
    unanswered = Q(
        recipient_patient__isnull=True,
        acknowledged_at__isnull=True,
        status__in=[Reminder.Status.SENT, Reminder.Status.FAILED],
    ) & ~Q(recipient_role=Reminder.INTERFACE_ENGINE)
    hers.filter(status=Reminder.Status.SCHEDULED, recipient_staff__isnull=False).exclude(
        recipient_staff__wards=ward
    ).update(status=Reminder.Status.CANCELLED, last_error="The patient moved to another ward.")
    board_version.bump()
    return hers.filter(unsent | unanswered).update(ward=ward)
