"""Operations on a procedure's timeline: schedule it, record its events, complete its milestones.

Every change goes through one of these functions. Each checks the change, saves it with its
history author, derives what follows (status, milestones) and announces it through
`procedures.signals.timeline_changed`, all in one transaction: either everything is saved or
nothing is.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.models import Event, EventKind, Milestone, Patient, Procedure, Protocol, ProtocolStep, Staff
from procedures.models.protocols import SCHEDULED
from procedures.signals import timeline_changed
from procedures.times import clinical_time, refuse_for, scheduled_time
from tracker.local_time import stamp

# Events that happen in this order; each may be recorded only once its predecessor exists,
# except that the start is optional (a nurse may first record the cement injection).
SEQUENCE = [EventKind.STARTED, EventKind.CEMENT_INJECTED, EventKind.ENDED, EventKind.DISCHARGED]
REQUIRES = {EventKind.ENDED: EventKind.CEMENT_INJECTED, EventKind.DISCHARGED: EventKind.ENDED}

# Long enough to notice a tap on the wrong patient's row; short enough that a completion that
# others have seen and acted on (a patient helped up) stays on the record.
UNDO_WINDOW = dt.timedelta(minutes=5)


@transaction.atomic
def schedule_procedure(
    *,
    patient: Patient,
    kind: str,
    indication: str,
    levels: list[str],
    anaesthesia: str,
    scheduled_at: dt.datetime,
    by: Staff,
    operator: Staff | None = None,
    protocol: Protocol | None = None,
    cement_volume_ml: dict[str, float] | None = None,
) -> Procedure:
    """Create a scheduled procedure following `protocol` (by default, the current default protocol)."""
    scheduled_at = refuse_for("scheduled_at", scheduled_time, scheduled_at, now=timezone.now())
    procedure = Procedure(
        patient=patient,
        kind=kind,
        indication=indication,
        levels=levels,
        anaesthesia=anaesthesia,
        scheduled_at=scheduled_at,
        operator=operator,
        protocol=protocol or Protocol.objects.current(settings.DEFAULT_PROTOCOL_CODE),
        cement_volume_ml=cement_volume_ml or {},
    )
    procedure.full_clean()
    procedure._history_user = by
    procedure.save()
    if plan_milestones(procedure, anchor=SCHEDULED, anchor_at=scheduled_at, by=by):
        timeline_changed.send(sender=Procedure, procedure=procedure, now=timezone.now())
    return procedure


@transaction.atomic
def update_scheduled_procedure(*, procedure: Procedure, by: Staff, **fields) -> Procedure:
    """Change a procedure that has not begun (its time, levels…); steps anchored on its time move with it."""
    procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
    if all(getattr(procedure, key) == value for key, value in fields.items()):
        return procedure
    if procedure.status != Procedure.Status.SCHEDULED:
        raise ValidationError({"status": _("This procedure has begun; change it on the ward.")})
    moved = "scheduled_at" in fields and fields["scheduled_at"] != procedure.scheduled_at
    for key, value in fields.items():
        setattr(procedure, key, value)
    procedure.full_clean()
    procedure._history_user = by
    procedure.save()
    if moved and plan_milestones(procedure, anchor=SCHEDULED, anchor_at=procedure.scheduled_at, by=by):
        timeline_changed.send(sender=Procedure, procedure=procedure, now=timezone.now())
    return procedure


@transaction.atomic
def record_event(
    *, procedure: Procedure, kind: str, at: dt.datetime, by: Staff, now: dt.datetime | None = None
) -> Event:
    """Record that `kind` happened at `at`, or correct its time if it was recorded before.

    Milestones anchored on the event are planned or moved (completed ones stay where they are);
    a cancellation cancels every open milestone. Raises ValidationError, saving nothing, for an
    impossible history.
    """
    now = now or timezone.now()
    # Lock the procedure so two nurses recording at once cannot interleave their checks.
    procedure = Procedure.objects.select_for_update().select_related("patient__ward", "protocol").get(pk=procedure.pk)
    events = {event.kind: event for event in procedure.events.all()}
    check_event(kind=kind, at=at, events=events, now=now, zone=procedure.ward.zone)

    event = events.get(kind) or Event(procedure=procedure, kind=kind)
    if event.pk and event.at == at:
        return event
    event.at, event.recorded_by = at, by
    event._history_user = by
    event.save()
    events[kind] = event

    procedure.status = Procedure.status_after(set(events))
    procedure._history_user = by
    procedure.save(update_fields=["status"])
    if kind == EventKind.CANCELLED:
        cancel_open_milestones(procedure, at=now, by=by)
    else:
        plan_milestones(procedure, anchor=kind, anchor_at=at, by=by)
    if kind == EventKind.CEMENT_INJECTED:
        close_checks_before(procedure, cement_at=at, by=by)
    timeline_changed.send(sender=Procedure, procedure=procedure, now=now)
    return event


def check_event(*, kind: str, at: dt.datetime, events: dict[str, Event], now: dt.datetime, zone) -> None:
    """Raise ValidationError, naming the field, if recording `kind` at `at` makes an impossible history."""
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Unknown event kind %(kind)r.") % {"kind": kind}})
    if timezone.is_naive(at):
        raise ValidationError({"at": _("Give the time with its UTC offset or time zone.")})
    if EventKind.CANCELLED in events:
        raise ValidationError({"kind": _("This procedure was cancelled; nothing more can be recorded on it.")})
    check_not_future(at, now=now, zone=zone, field="at")
    if kind == EventKind.CANCELLED:
        return
    required = REQUIRES.get(kind)
    if required and required not in events:
        raise ValidationError(
            {
                "kind": _("Record “%(required)s” before “%(kind)s”.")
                % {"required": EventKind(required).label.lower(), "kind": EventKind(kind).label.lower()}
            }
        )
    position = SEQUENCE.index(kind)
    for other_kind, other in events.items():
        if other_kind not in SEQUENCE or other_kind == kind:
            continue
        other_position = SEQUENCE.index(other_kind)
        if (other_position < position and at < other.at) or (other_position > position and at > other.at):
            before, after = (other_kind, kind) if other_position < position else (kind, other_kind)
            message = (
                _(
                    "“%(kind)s” at %(time)s would come before “%(other)s” at %(other_time)s; "
                    "%(first)s must come before %(second)s."
                )
                if other_position < position
                else _(
                    "“%(kind)s” at %(time)s would come after “%(other)s” at %(other_time)s; "
                    "%(first)s must come before %(second)s."
                )
            )
            params = {
                "kind": EventKind(kind).label,
                "time": stamp(at, zone),
                "other": EventKind(other_kind).label.lower(),
                "other_time": stamp(other.at, zone),
                "first": EventKind(before).label.lower(),
                "second": EventKind(after).label.lower(),
            }
            raise ValidationError({"at": message % params})


def check_not_future(at: dt.datetime, *, now: dt.datetime, zone, field: str) -> None:
    """Refuse, naming `field`, a time that cannot be when something happened (procedures.times.clinical_time)."""
    refuse_for(field, clinical_time, at, now=now, zone=zone)


def plan_milestones(procedure: Procedure, *, anchor: str, anchor_at: dt.datetime, by: Staff) -> int:
    """Create or move the open milestones of the steps anchored on `anchor`; return how many."""
    existing = {m.step_id: m for m in procedure.milestones.filter(step__anchor=anchor)}
    planned = 0
    for step in procedure.protocol.steps.filter(anchor=anchor):
        milestone = existing.get(step.pk) or Milestone(procedure=procedure, step=step)
        if not milestone.is_open:
            continue
        milestone.schedule_from(anchor_at)
        milestone._history_user = by
        milestone.save()
        planned += 1
    return planned


def close_checks_before(procedure: Procedure, *, cement_at: dt.datetime, by: Staff) -> None:
    """A questionnaire anchored on the scheduled time is the one before the procedure (the baseline): answers
    given after the cement no longer tell the pain before it, so its window closes at the cement time if not
    sooner (then it is missed, off the board and sent to nobody). A corrected cement time moves it again."""
    checks = procedure.milestones.open().filter(
        step__anchor=SCHEDULED, step__records=ProtocolStep.Records.QUESTIONNAIRE
    )
    for milestone in checks.select_related("step"):
        usual = milestone.step.closes_at(milestone.due_at)
        closes_at = cement_at if usual is None else min(usual, cement_at)
        if milestone.closes_at != closes_at:
            milestone.closes_at = closes_at
            milestone._history_user = by
            milestone.save(update_fields=["closes_at"])


def cancel_open_milestones(procedure: Procedure, *, at: dt.datetime, by: Staff) -> None:
    for milestone in procedure.milestones.open():
        milestone.cancelled_at = at
        milestone._history_user = by
        milestone.save(update_fields=["cancelled_at"])


@transaction.atomic
def complete_milestone(
    *,
    milestone: Milestone,
    by: Staff | None,
    note: str = "",
    now: dt.datetime | None = None,
    observed: bool = False,
) -> Milestone:
    """Mark a milestone done by `by` now. Refused before its window opens: "may stand" is never early.

    A step that records an observation check or a questionnaire is completed by recording it
    (procedures.recording.record_observations, procedures.questionnaires.record_response pass
    `observed=True`), never by a bare "done".
    """
    now = now or timezone.now()
    milestone = (
        Milestone.objects.select_for_update().select_related("procedure__patient__ward", "step").get(pk=milestone.pk)
    )
    zone = milestone.procedure.ward.zone
    if milestone.completed_at:
        raise ValidationError(
            {"note": _("Already completed at %(time)s.") % {"time": stamp(milestone.completed_at, zone)}}
        )
    if milestone.cancelled_at:
        raise ValidationError({"note": _("This milestone was cancelled with its procedure.")})
    if milestone.status_at(now) == Milestone.Status.MISSED:
        raise ValidationError(
            {
                "note": _("“%(milestone)s” closed at %(time)s.")
                % {"milestone": milestone.step.label_in(), "time": stamp(milestone.closes_at, zone)}
            }
        )
    if now < milestone.window_opens_at:
        raise ValidationError(
            {
                "note": _("“%(milestone)s” cannot be done before %(time)s.")
                % {"milestone": milestone.step.label_in(), "time": stamp(milestone.window_opens_at, zone)}
            }
        )
    if milestone.step.records == ProtocolStep.Records.OBSERVATIONS and not observed:
        raise ValidationError(
            {
                "note": _("“%(milestone)s” is completed by recording its observation check.")
                % {"milestone": milestone.step.label_in()}
            }
        )
    if milestone.step.records == ProtocolStep.Records.QUESTIONNAIRE and not observed:
        raise ValidationError(
            {"note": _("“%(milestone)s” is completed by its answers.") % {"milestone": milestone.step.label_in()}}
        )
    milestone.completed_at, milestone.completed_by, milestone.note = now, by, note
    milestone._history_user = by
    milestone.save(update_fields=["completed_at", "completed_by", "note"])
    timeline_changed.send(sender=Procedure, procedure=milestone.procedure, now=now)
    return milestone


@transaction.atomic
def undo_completion(*, milestone: Milestone, by: Staff, now: dt.datetime | None = None) -> Milestone:
    """Reopen a milestone that `by` completed by mistake, within UNDO_WINDOW of completing it.

    The completion stays in the history; after the window, a mistake is corrected by a note on
    the record instead, since others may already have acted on it.
    """
    now = now or timezone.now()
    milestone = (
        Milestone.objects.select_for_update().select_related("procedure__patient__ward", "step").get(pk=milestone.pk)
    )
    if not milestone.completed_at:
        raise ValidationError(
            {
                "note": _("“%(milestone)s” is not completed; there is nothing to undo.")
                % {"milestone": milestone.step.label_in()}
            }
        )
    if milestone.completed_by_id != by.pk:
        raise ValidationError({"note": _("Only the person who completed it can undo a completion.")})
    if now > milestone.completed_at + UNDO_WINDOW:
        completed = stamp(milestone.completed_at, milestone.procedure.ward.zone)
        minutes = UNDO_WINDOW.seconds // 60
        raise ValidationError(
            {
                "note": _("Completed at %(time)s; it could be undone for %(minutes)s minutes.")
                % {"time": completed, "minutes": minutes}
            }
        )
    milestone.completed_at, milestone.completed_by, milestone.note = None, None, ""
    milestone._history_user = by
    milestone.save(update_fields=["completed_at", "completed_by", "note"])
    timeline_changed.send(sender=Procedure, procedure=milestone.procedure, now=now)
    return milestone
