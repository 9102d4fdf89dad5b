"""The handover sheet of a ward: one block per patient, for the nurses of the next shift.

Read in a fixed number of queries whatever the number of patients (procedures with their patients,
then one prefetch each for events, milestones, observation checks, pain scores, alerts and notes),
asserted in tests/ward/test_handover.py.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import formats
from django.utils.translation import gettext as _

from notifications.models import Reminder
from procedures.models import Event, EventKind, Milestone, ObservationCheck, PainScore, Procedure, Ward
from ward.board import MAY_STAND
from ward.models import HandoverNote
from ward.observation_chart import breached
from ward.red_flag_notice import MEASURES, describe_alerts

# What the next shift needs to see coming: a shift is 12 hours.
LOOK_AHEAD = dt.timedelta(hours=12)
# Alerts acknowledged and notes written this recently are still worth handing over.
LOOK_BACK = dt.timedelta(hours=12)
NOTES_SHOWN = 5


@dataclass(frozen=True)
class Trend:
    measure: str
    name: str
    unit: str
    value: str
    arrow: str  # "↑", "↓", "→", or "" without an earlier check
    direction: str  # words for the arrow, for screen readers and print
    out: bool


@dataclass
class HandoverEntry:
    procedure: Procedure
    cement_at: dt.datetime | None
    may_stand: Milestone | None
    last_check: ObservationCheck | None
    trends: list[Trend]
    alerts: list[Reminder]
    pain_now: PainScore | None
    baseline: PainScore | None
    coming: list[tuple[Milestone, str]]
    notes: list[HandoverNote] = field(default_factory=list)

    @property
    def patient(self):
        return self.procedure.patient


def handover_entries(*, ward: Ward, now: dt.datetime) -> list[HandoverEntry]:
    """One entry per patient of `ward` whose procedure is under way or recovering, by bed."""
    recent = now - LOOK_BACK
    alerts = (
        Reminder.objects.for_people()
        .filter(kind=Reminder.Kind.ALERT)
        .filter(Q(acknowledged_at__isnull=True) | Q(acknowledged_at__gte=recent))
        .select_related("acknowledged_by")
        .order_by("due_at")
    )
    procedures = (
        Procedure.objects.active()
        .filter(patient__ward=ward)
        .select_related("patient", "protocol")
        .prefetch_related(
            Prefetch("events", Event.objects.filter(kind=EventKind.CEMENT_INJECTED), to_attr="cement"),
            Prefetch(
                "milestones",
                Milestone.objects.open().filter(Q(due_at__lte=now + LOOK_AHEAD) | Q(step__code=MAY_STAND))
                .select_related("step", "completed_by").order_by("due_at"),
                to_attr="open_soon",
            ),
            Prefetch(
                "milestones", Milestone.objects.filter(step__code=MAY_STAND).select_related("step"), to_attr="stand"
            ),
            Prefetch("observations", ObservationCheck.objects.order_by("-recorded_at", "-id"), to_attr="checks"),
            Prefetch("pain_scores", PainScore.objects.order_by("recorded_at", "id"), to_attr="pains"),
            Prefetch("reminders", alerts, to_attr="alerts"),
            Prefetch("protocol__observation_limits"),
            Prefetch(
                "patient__handover_notes",
                HandoverNote.objects.filter(written_at__gte=now - 2 * LOOK_BACK).select_related("author"),
                to_attr="recent_notes",
            ),
        )
    )  # fmt: skip
    entries = [entry(procedure, now) for procedure in procedures]
    describe_alerts([alert for e in entries for alert in e.alerts])
    return sorted(entries, key=lambda e: (bed_order(e.patient.bed), e.patient.family_name))


def bed_order(bed: str) -> tuple:
    """Beds in the order of the ward: "2" before "10", numbered before named, no bed last."""
    return (not bed, not bed.isdigit(), int(bed) if bed.isdigit() else 0, bed)


def entry(procedure: Procedure, now: dt.datetime) -> HandoverEntry:
    limits = list(procedure.protocol.observation_limits.all())
    checks = procedure.checks
    baseline = next((p for p in reversed(procedure.pains) if p.source == PainScore.Source.BASELINE), None)
    pain_now = next((p for p in reversed(procedure.pains) if p.source != PainScore.Source.BASELINE), None)
    return HandoverEntry(
        procedure=procedure,
        cement_at=procedure.cement[0].at if procedure.cement else None,
        may_stand=procedure.stand[0] if procedure.stand else None,
        last_check=checks[0] if checks else None,
        trends=trends(checks[0], checks[1] if len(checks) > 1 else None, limits) if checks else [],
        alerts=procedure.alerts,
        pain_now=pain_now,
        baseline=baseline,
        coming=[(m, m.status_at(now)) for m in procedure.open_soon if m.due_at <= now + LOOK_AHEAD],
        notes=procedure.patient.recent_notes[:NOTES_SHOWN],
    )


def trends(last: ObservationCheck, before: ObservationCheck | None, limits) -> list[Trend]:
    words = {"↑": _("rising"), "↓": _("falling"), "→": _("steady"), "": ""}
    found = []
    for measure, (name, unit) in MEASURES.items():
        value = getattr(last, measure)
        arrow = ""
        if before is not None:
            earlier = getattr(before, measure)
            arrow = "↑" if value > earlier else "↓" if value < earlier else "→"
        out = breached(limits, measure, value)
        found.append(Trend(measure, str(name), unit, formats.localize(value), arrow, words[arrow], out))
    return found
