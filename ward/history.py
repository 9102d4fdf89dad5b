"""Who did what to a patient's record, read from the django-simple-history tables.

Only the acts of people are listed: scheduling, events recorded or corrected, milestones
completed or reopened, bed and detail changes. Milestones planned or moved by an event are its
consequences, not separate acts, and would bury the list under a dozen lines per event.
"""

import datetime as dt
from dataclasses import dataclass

from procedures.models import Event, Milestone, Patient, Procedure, Staff

CREATED, CHANGED = "+", "~"


@dataclass
class Change:
    at: dt.datetime
    by: Staff | None
    action: str  # one of the codes below, each worded in ward/templates/ward/_history.html
    subject: str = ""
    moment: dt.datetime | None = None
    note: str = ""


# Action codes.
PATIENT_ADDED = "patient_added"
BED_CHANGED = "bed_changed"
WARD_CHANGED = "ward_changed"
DETAILS_CHANGED = "details_changed"
SCHEDULED = "scheduled"
EVENT_RECORDED = "event_recorded"
EVENT_CORRECTED = "event_corrected"
MILESTONE_COMPLETED = "milestone_completed"
MILESTONE_REOPENED = "milestone_reopened"
CONSENT_WITHDRAWN = "consent_withdrawn"
CONSENT_GIVEN = "consent_given"


def patient_history(*, patient: Patient, limit: int = 200) -> list[Change]:
    """Return the changes to `patient`'s record and procedures, the newest first."""
    procedure_ids = list(patient.procedures.values_list("pk", flat=True))
    changes = [
        *patient_changes(patient),
        *procedure_changes(procedure_ids),
        *event_changes(procedure_ids),
        *milestone_changes(procedure_ids),
    ]
    return sorted(changes, key=lambda change: change.at, reverse=True)[:limit]


def versions(history_queryset):
    """Yield (record, previous version of the same object or None), oldest first."""
    previous = {}
    for record in history_queryset.select_related("history_user").order_by("history_date", "history_id"):
        yield record, previous.get(record.id)
        previous[record.id] = record


def patient_changes(patient: Patient):
    for record, before in versions(Patient.history.filter(id=patient.pk)):
        if record.history_type == CREATED:
            yield Change(record.history_date, record.history_user, PATIENT_ADDED, subject=record.bed)
        elif record.history_type == CHANGED and before and before.ward_id != record.ward_id:
            yield Change(record.history_date, record.history_user, WARD_CHANGED, subject=str(record.ward))
        elif record.history_type == CHANGED and before and before.bed != record.bed:
            yield Change(record.history_date, record.history_user, BED_CHANGED, subject=record.bed)
        elif record.history_type == CHANGED and before and before.messaging_consent != record.messaging_consent:
            action = CONSENT_GIVEN if record.messaging_consent else CONSENT_WITHDRAWN
            yield Change(record.history_date, record.history_user, action)
        elif record.history_type == CHANGED:
            yield Change(record.history_date, record.history_user, DETAILS_CHANGED)


def procedure_changes(procedure_ids: list[int]):
    for record, _ in versions(Procedure.history.filter(id__in=procedure_ids, history_type=CREATED)):
        subject = f"{record.get_kind_display()} {'+'.join(record.levels or [])}"
        yield Change(record.history_date, record.history_user, SCHEDULED, subject=subject, moment=record.scheduled_at)


def event_changes(procedure_ids: list[int]):
    for record, before in versions(Event.history.filter(procedure_id__in=procedure_ids)):
        if record.history_type == CREATED:
            action = EVENT_RECORDED
        elif record.history_type == CHANGED and before and before.at != record.at:
            action = EVENT_CORRECTED
        else:
            continue
        yield Change(
            record.history_date, record.history_user, action, subject=record.get_kind_display(), moment=record.at
        )


def milestone_changes(procedure_ids: list[int]):
    records = Milestone.history.filter(procedure_id__in=procedure_ids, history_type=CHANGED).select_related("step")
    for record, before in versions(records):
        was_completed = bool(before and before.completed_at)
        if record.completed_at and not was_completed:
            yield Change(
                record.history_date,
                record.history_user,
                MILESTONE_COMPLETED,
                subject=record.step.label_in(),
                moment=record.completed_at,
                note=record.note,
            )
        elif was_completed and not record.completed_at:
            yield Change(record.history_date, record.history_user, MILESTONE_REOPENED, subject=record.step.label_in())
