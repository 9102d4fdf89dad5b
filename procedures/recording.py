"""Recording pain scores, observation checks and complications, and raising the red flags they carry.

Like procedures.timeline, each function checks its input, saves with its history author, and
announces red flags (procedures.signals.red_flag_raised) in the same transaction.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from procedures.baseline import baseline_pain
from procedures.models import (
    Complication,
    EventKind,
    Milestone,
    ObservationCheck,
    PainScore,
    Procedure,
    ProtocolStep,
    Staff,
)
from procedures.red_flags import RedFlag, complication_flag, observation_flags, pain_flags
from procedures.signals import red_flag_raised
from procedures.timeline import check_not_future, complete_milestone
from tracker.local_time import stamp


@transaction.atomic
def record_pain_score(
    *,
    procedure: Procedure,
    score: int,
    recorded_at: dt.datetime,
    source: str,
    by: Staff | None = None,
    milestone: Milestone | None = None,
    now: dt.datetime | None = None,
) -> PainScore:
    """Record a pain score; `by` is None for a patient's own reply."""
    now = now or timezone.now()
    procedure = lock(procedure)
    check_open(procedure, recorded_at, now=now, field="recorded_at")
    pain = PainScore(
        procedure=procedure, score=score, recorded_at=recorded_at, source=source, recorded_by=by, milestone=milestone
    )
    pain.full_clean()
    if source == PainScore.Source.BASELINE:
        check_before_cement(procedure, recorded_at)
    save(pain, by)
    raise_flags(procedure, pain_flags_for(procedure, pain), source=pain, now=now)
    return pain


@transaction.atomic
def record_observations(
    *,
    procedure: Procedure,
    values: dict,
    recorded_at: dt.datetime,
    by: Staff,
    milestone: Milestone | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> ObservationCheck:
    """Record an observation check; with `milestone`, that milestone is completed by it.

    `values` holds the ObservationCheck fields, and optionally `pain` (0–10).
    """
    now = now or timezone.now()
    procedure = lock(procedure)
    check_open(procedure, recorded_at, now=now, field="recorded_at")
    values = dict(values)
    pain_score = values.pop("pain", None)
    check = ObservationCheck(
        procedure=procedure, milestone=milestone, recorded_at=recorded_at, recorded_by=by, **values
    )
    check.full_clean(exclude=["pain"])
    if milestone is not None:
        check_takes_observations(procedure, milestone)
    if pain_score is not None:
        check.pain = record_pain_score(
            procedure=procedure,
            score=pain_score,
            recorded_at=recorded_at,
            source="staff",
            by=by,
            now=now,
            milestone=milestone,
        )
    save(check, by)
    raise_flags(procedure, observation_flags(check, list(procedure.protocol.observation_limits.all())), check, now)
    if milestone is not None:
        complete_milestone(milestone=milestone, by=by, note=note, now=now, observed=True)
    return check


@transaction.atomic
def report_complication(
    *,
    procedure: Procedure,
    kind: str,
    severity: str,
    noted_at: dt.datetime,
    by: Staff,
    description: str = "",
    actions_taken: str = "",
    now: dt.datetime | None = None,
) -> Complication:
    """Record a complication noticed by staff; every complication is a red flag."""
    now = now or timezone.now()
    procedure = lock(procedure)
    check_not_future(noted_at, now=now, zone=procedure.ward.zone, field="noted_at")
    complication = Complication(
        procedure=procedure,
        kind=kind,
        severity=severity,
        noted_at=noted_at,
        description=description,
        actions_taken=actions_taken,
        reported_by=by,
    )
    complication.full_clean()
    save(complication, by)
    raise_flags(procedure, [complication_flag(complication)], complication, now)
    return complication


def lock(procedure: Procedure) -> Procedure:
    return Procedure.objects.select_for_update().select_related("patient__ward", "protocol").get(pk=procedure.pk)


def save(row, by: Staff | None) -> None:
    row._history_user = by
    row.save()


def check_open(procedure: Procedure, at: dt.datetime, *, now: dt.datetime, field: str) -> None:
    if procedure.status == Procedure.Status.CANCELLED:
        raise ValidationError({field: "This procedure was cancelled; nothing more can be recorded on it."})
    if timezone.is_naive(at):
        raise ValidationError({field: "Give the time with its UTC offset or time zone."})
    check_not_future(at, now=now, zone=procedure.ward.zone, field=field)


def check_before_cement(procedure: Procedure, at: dt.datetime) -> None:
    cement = procedure.events.filter(kind=EventKind.CEMENT_INJECTED).first()
    if cement and at > cement.at:
        raise ValidationError(
            {"source": f"A baseline is recorded before the cement injection ({stamp(cement.at, procedure.ward.zone)})."}
        )


def check_takes_observations(procedure: Procedure, milestone: Milestone) -> None:
    if milestone.procedure_id != procedure.pk:
        raise ValidationError({"milestone": "This milestone belongs to another procedure."})
    if milestone.step.records != ProtocolStep.Records.OBSERVATIONS:
        raise ValidationError({"milestone": f"“{milestone.step.label_in()}” does not take an observation check."})


def pain_flags_for(procedure: Procedure, pain: PainScore) -> list[RedFlag]:
    # The baseline the ward's results use too: a baseline score, else the pain at rest she gave in the
    # recovery check before the cement (protocol 2 asks for it there, not as a score).
    discharged = procedure.events.filter(kind=EventKind.DISCHARGED).first()
    return pain_flags(
        pain,
        baseline=baseline_pain(procedure),
        discharged_at=discharged and discharged.at,
        review_after_days=procedure.protocol.pain_review_after_days,
    )


def raise_flags(procedure: Procedure, flags: list[RedFlag], source, now: dt.datetime) -> None:
    for flag in flags:
        red_flag_raised.send(sender=Procedure, procedure=procedure, flag=flag, source=source, now=now)
