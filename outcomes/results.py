"""A ward's own results over a period: pain over time, relief, complications, timeliness.

The procedures counted are those whose cement was injected in the period. Every figure is computed
by the database in four queries, whatever the number of procedures: the page must answer in 200 ms
for a ward with 5,000 procedures and 30,000 responses (benchmarks/outcomes.py). Only a few numbers
come back to Python, never a row per procedure or per answer.

Why in SQL and not a summary row per procedure kept up to date when answers are recorded: the
figures read answers, baseline pain scores, cement times and milestones, each written by several
services and corrected by staff; a copy would have to follow every one of those writes to stay
right, and would go wrong silently when one is missed. Computed from the records at each request,
the figures cannot drift from them.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, F, FilteredRelation, FloatField, Q, QuerySet, Value, When, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, FirstValue, RowNumber

from notifications.models import Reminder
from outcomes.references import REFERENCES, public
from outcomes.sql import Percentile, Seconds
from outcomes.statistics import rate, rounded, wilson_interval
from procedures.models import Complication, EventKind, Milestone, Procedure, Ward

# The protocol steps at which patients answer the recovery check, in the order of the follow-up.
TIMEPOINTS = ["prom_1w", "prom_1m", "prom_3m", "prom_6m", "prom_12m"]
BASELINE = "baseline"
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
    procedures = Procedure.objects.annotate(
        cement=FilteredRelation("events", condition=Q(events__kind=EventKind.CEMENT_INJECTED))
    ).filter(cement__at__gte=period.start, cement__at__lt=period.end, patient__ward__in=period.wards)
    return procedures.filter(kind=period.kind) if period.kind else procedures


def pain_rows(period: Period) -> QuerySet:
    """A row per answer to the recovery check of each procedure counted (one row if it has none), annotated:

    - `pain`: pain at rest, read from the answers in SQL;
    - `group`: the time point it answers, "baseline" if it was answered before the cement at no time
      point, else None (not counted);
    - `latest`: 1 on the last answer of its group (by authored time, then id): of several answers at
      one time point, the last counts;
    - `first`: 1 on one row of each procedure, to count each once;
    - `baseline`: the procedure's baseline, the last baseline pain score, else the last pain at rest
      answered before the cement.

    The baseline pain scores are joined too (each answer row repeats once per score), which lets
    window functions find the last of each without a query per procedure.
    """
    answer, score = F("responses__authored_at").desc(), F("score__recorded_at").desc()
    # The answer's own fields first, then the score's: the first row of a procedure in the order of
    # by_procedure has its last baseline answer ("baseline" sorts before "prom_…") and, beside it, its
    # last baseline score. Both windows sort the rows the same way: the database sorts them once.
    newest = [answer, F("responses__id").desc(), score, F("score__id").desc()]
    by_procedure = {"partition_by": [F("pk")], "order_by": [F("group").asc(nulls_last=True), *newest]}
    return (
        counted(period)
        .annotate(score=FilteredRelation("pain_scores", condition=Q(pain_scores__source="baseline")))
        .annotate(pain=Cast(KeyTextTransform("pain_rest", "responses__answers"), FloatField()))
        .annotate(
            group=Case(
                When(
                    Q(pain__isnull=False, responses__milestone__step__code__in=TIMEPOINTS),
                    then=F("responses__milestone__step__code"),
                ),
                When(Q(pain__isnull=False, responses__authored_at__lte=F("cement__at")), then=Value(BASELINE)),
                default=None,
            )
        )
        .annotate(
            latest=Window(RowNumber(), partition_by=[F("pk"), F("group")], order_by=newest),
            first=Window(RowNumber(), **by_procedure),
            baseline_score=Window(FirstValue("score__score"), **by_procedure),
            baseline_answer=Window(FirstValue(Case(When(group=Value(BASELINE), then=F("pain")))), **by_procedure),
        )
        .annotate(baseline=Coalesce(Cast("baseline_score", FloatField()), F("baseline_answer")))
    )


def pain_aggregates() -> dict:
    """The aggregates over pain_rows(): per procedure, and per time point over its last answers."""
    once = Q(first=1)
    aggregates = {"procedures": Count("pk", filter=once), "baseline_median": Percentile("baseline", 0.5, filter=once)}
    for timepoint in TIMEPOINTS:
        answer = Q(group=timepoint, latest=1)
        relief = Q(pain__lte=F("baseline") - RELIEF_POINTS) & Q(pain__lte=F("baseline") * RELIEF_FRACTION)
        aggregates |= {
            f"{timepoint}_answered": Count("pain", filter=answer),
            f"{timepoint}_q1": Percentile("pain", 0.25, filter=answer),
            f"{timepoint}_median": Percentile("pain", 0.5, filter=answer),
            f"{timepoint}_q3": Percentile("pain", 0.75, filter=answer),
            f"{timepoint}_with_baseline": Count("pain", filter=answer & Q(baseline__isnull=False)),
            f"{timepoint}_relieved": Count("pain", filter=answer & relief),
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


def milestones_of(scope: QuerySet) -> QuerySet:
    return Milestone.objects.filter(procedure__in=scope).annotate(
        cement=FilteredRelation("procedure__events", condition=Q(procedure__events__kind=EventKind.CEMENT_INJECTED))
    )


def ward_results(period: Period, *, now: dt.datetime) -> dict:
    scope = counted(period).values("pk")
    pain = pain_rows(period).aggregate(**pain_aggregates())
    milestones = milestones_of(scope).aggregate(**milestone_aggregates(now))
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
