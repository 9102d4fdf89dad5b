"""A ward's own results over a period: pain over time, relief, complications, timeliness.

The procedures counted are those whose cement was injected in the period. Every figure is computed
by the database in four queries, whatever the number of procedures: the page must answer in 200 ms
for a ward with 5,000 procedures and 30,000 responses (benchmarks/outcomes.py). Only a few numbers
come back to Python, never a row per procedure or per answer.

Pain is read from each procedure's PainSummary (outcomes.models), one narrow row per procedure kept
in step with the answers, baseline scores and cement time by outcomes.summary in the transaction of
each write, rather than from a join and sort of every answer at each request (the 200 ms above).
Milestones, complications and acknowledgements are read from the records.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, FilteredRelation, Q, QuerySet, Value

from notifications.models import Reminder
from outcomes.references import REFERENCES, public
from outcomes.sql import Percentile, Seconds
from outcomes.statistics import rate, rounded, wilson_interval
from outcomes.summary import TIMEPOINTS, with_cement
from procedures.models import Complication, EventKind, Milestone, Procedure, Ward

# A meaningful change on a 0–10 pain scale is about 2 points or about 30% (IMMPACT, Dworkin 2008):
# relief means both.
RELIEF_POINTS = 2
RELIEF_FRACTION = 0.7


@dataclass(frozen=True)
class Period:
    wards: list[Ward]
    start: dt.datetime
    end: dt.datetime
    kind: str = ""


def relieved(pain: float, baseline: float) -> bool:
    return pain <= baseline - RELIEF_POINTS and pain <= RELIEF_FRACTION * baseline


def counted(period: Period) -> QuerySet:
    """The procedures whose cement was injected in the period on its wards, with that event joined as `cement`."""
    procedures = with_cement(Procedure.objects).filter(
        cement__at__gte=period.start, cement__at__lt=period.end, patient__ward__in=period.wards
    )
    return procedures.filter(kind=period.kind) if period.kind else procedures


def pain_aggregates() -> dict:
    """The aggregates over counted() joined with each procedure's PainSummary (outcomes.models)."""
    baseline = F("pain_summary__baseline")
    aggregates = {"procedures": Count("pk"), "baseline_median": Percentile(baseline, 0.5)}
    for timepoint in TIMEPOINTS:
        pain = f"pain_summary__{timepoint}"
        answer = Q(**{f"{pain}__isnull": False})
        relief = Q(**{f"{pain}__lte": baseline - RELIEF_POINTS}) & Q(**{f"{pain}__lte": baseline * RELIEF_FRACTION})
        aggregates |= {
            f"{timepoint}_answered": Count(pain),
            f"{timepoint}_q1": Percentile(pain, 0.25),
            f"{timepoint}_median": Percentile(pain, 0.5),
            f"{timepoint}_q3": Percentile(pain, 0.75),
            f"{timepoint}_with_baseline": Count(pain, filter=answer & Q(pain_summary__baseline__isnull=False)),
            f"{timepoint}_relieved": Count(pain, filter=answer & relief),
        }
    return aggregates


def minutes_to_stand() -> Seconds:
    """Of a "may stand" milestone joined with its procedure's `cement`: minutes from the cement to done."""
    return Seconds(F("completed_at"), F("cement__at")) / Value(60.0)


def milestone_aggregates(now: dt.datetime) -> dict:
    # Of the staff milestones that fell due (completed, or past their overdue time), those done in time.
    staff = Q(cancelled_at__isnull=True) & ~Q(step__audience="patient")
    stood = Q(step__code="may_stand", completed_at__isnull=False)
    return {
        "due": Count("id", filter=staff & (Q(completed_at__isnull=False) | Q(overdue_at__lte=now))),
        "on_time": Count("id", filter=staff & Q(completed_at__lte=F("overdue_at"))),
        # The patient first up: minutes from the cement to "may stand" done.
        "stand_median": Percentile(minutes_to_stand(), 0.5, filter=stood),
        "stand_p90": Percentile(minutes_to_stand(), 0.9, filter=stood),
        # The questionnaires that fell due at each time point, for the response rate.
        **{
            f"{timepoint}_expected": Count(
                "id", filter=Q(step__code=timepoint, due_at__lte=now, cancelled_at__isnull=True)
            )
            for timepoint in TIMEPOINTS
        },
    }


def milestones_of(period: Period) -> QuerySet:
    """The milestones of the procedures counted, with their procedure's cement joined as `cement`: the
    conditions of counted() on one chain of joins, rather than a second join of the procedures counted."""
    milestones = Milestone.objects.annotate(
        cement=FilteredRelation("procedure__events", condition=Q(procedure__events__kind=EventKind.CEMENT_INJECTED))
    ).filter(cement__at__gte=period.start, cement__at__lt=period.end, procedure__patient__ward__in=period.wards)
    return milestones.filter(procedure__kind=period.kind) if period.kind else milestones


def ward_results(period: Period, *, now: dt.datetime) -> dict:
    scope = counted(period).values("pk")
    pain = counted(period).aggregate(**pain_aggregates())
    milestones = milestones_of(period).aggregate(**milestone_aggregates(now))
    return {
        "procedures": pain["procedures"],
        "pain": {
            "baseline_median": rounded(pain["baseline_median"], 1),
            "by_timepoint": [timepoint_figures(timepoint, pain, milestones) for timepoint in TIMEPOINTS],
        },
        "complications": complications(scope, pain["procedures"]),
        "time_to_stand_minutes": {
            "median": rounded(milestones["stand_median"], 0),
            "p90": rounded(milestones["stand_p90"], 0),
        },
        "milestones_on_time_rate": rounded(rate(milestones["on_time"], milestones["due"])),
        "staff_acknowledgement_seconds": acknowledgement_seconds(scope),
        "references": [public(ref) for ref in REFERENCES],
    }


def timepoint_figures(timepoint: str, pain: dict, milestones: dict) -> dict:
    answered, expected = pain[f"{timepoint}_answered"], milestones[f"{timepoint}_expected"]
    judged, relieved_count = pain[f"{timepoint}_with_baseline"], pain[f"{timepoint}_relieved"]
    interval = wilson_interval(relieved_count, judged)
    return {
        "timepoint": timepoint,
        "answered": answered,
        "expected": expected,
        "response_rate": rounded(rate(answered, expected)),
        "median": rounded(pain[f"{timepoint}_median"], 1),
        "q1": rounded(pain[f"{timepoint}_q1"], 1),
        "q3": rounded(pain[f"{timepoint}_q3"], 1),
        "with_baseline": judged,
        "relief_rate": rounded(rate(relieved_count, judged)),
        "relief_ci95": interval and [rounded(interval[0]), rounded(interval[1])],
    }


def complications(scope: QuerySet, total: int) -> list[dict]:
    """Every kind of complication, with the share of procedures that had it at least once."""
    having = dict(
        Complication.objects.filter(procedure__in=scope)
        .values_list("kind")
        .annotate(procedures=Count("procedure", distinct=True))
        .order_by()
    )
    rows = []
    for kind in Complication.Kind.values:
        count = having.get(kind, 0)
        interval = wilson_interval(count, total)
        rows.append(
            {
                "kind": kind,
                "count": count,
                "rate": rounded(rate(count, total)),
                "ci95": interval and [rounded(interval[0]), rounded(interval[1])],
            }
        )
    return rows


def acknowledgement_seconds(scope: QuerySet) -> dict:
    """How long staff took to acknowledge their reminders and alerts, from delivery to the ward inbox."""
    answered = Reminder.objects.filter(
        procedure__in=scope,
        kind__in=[Reminder.Kind.MILESTONE, Reminder.Kind.ALERT],
        channel=Reminder.Channel.INAPP,
        sent_at__isnull=False,
        acknowledged_at__isnull=False,
    )
    seconds = Seconds(F("acknowledged_at"), F("sent_at"))
    figures = answered.aggregate(median=Percentile(seconds, 0.5), p90=Percentile(seconds, 0.9))
    return {"median": rounded(figures["median"], 0), "p90": rounded(figures["p90"], 0)}
