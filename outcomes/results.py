"""A ward's own results over a period: pain over time, relief, complications, timeliness.

The procedures counted are those whose cement was injected in the period. Every figure is read
with a fixed number of queries, whatever the number of procedures (the page must answer in
200 ms for a ward with 5,000 procedures and 30,000 responses: benchmarks/outcomes.py).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, FloatField, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from notifications.models import Reminder
from outcomes.references import REFERENCES, public
from outcomes.statistics import quantile, rate, rounded, wilson_interval
from procedures.models import (
    Complication,
    Event,
    EventKind,
    Milestone,
    PainScore,
    QuestionnaireResponse,
    Ward,
)

# The protocol steps at which patients answer the recovery check, in the order of the follow-up.
TIMEPOINTS = ["prom_1w", "prom_1m", "prom_3m", "prom_6m", "prom_12m"]
BASELINE_STEP = "prom_baseline"
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


def cement_events(period: Period) -> QuerySet:
    """The cement injections of the period on its wards: one per procedure counted."""
    events = Event.objects.filter(
        kind=EventKind.CEMENT_INJECTED,
        at__gte=period.start,
        at__lt=period.end,
        procedure__patient__ward__in=period.wards,
    )
    return events.filter(procedure__kind=period.kind) if period.kind else events


def ward_results(period: Period, *, now: dt.datetime) -> dict:
    events = cement_events(period)
    scope = events.values("procedure_id")
    cement = dict(events.values_list("procedure_id", "at"))
    baselines = baseline_pains(scope, cement)
    return {
        "procedures": len(cement),
        "pain": {
            "baseline_median": rounded(quantile(list(baselines.values()), 0.5), 1),
            "by_timepoint": by_timepoint(scope, timepoint_pains(scope), baselines, now),
        },
        "complications": complications(scope, len(cement)),
        "time_to_stand_minutes": time_to_stand(scope, cement),
        "milestones_on_time_rate": on_time_rate(scope, now),
        "staff_acknowledgement_seconds": acknowledgement_seconds(scope),
        "references": [public(ref) for ref in REFERENCES],
    }


def with_pain_at_rest(responses: QuerySet) -> QuerySet:
    """Responses that answered pain at rest, with it as a number read in SQL (no JSON decoded in Python)."""
    pain = Cast(KeyTextTransform("pain_rest", "answers"), FloatField())
    return responses.annotate(pain=pain).filter(pain__isnull=False).order_by("authored_at", "id")


def timepoint_pains(scope: QuerySet) -> dict[tuple[int, str], float]:
    """{(procedure, time point): pain at rest}; of several answers at one time point, the last counts."""
    answered = with_pain_at_rest(
        QuestionnaireResponse.objects.filter(procedure_id__in=scope, milestone__step__code__in=TIMEPOINTS)
    )
    return {
        (procedure, code): pain
        for procedure, code, pain in answered.values_list("procedure_id", "milestone__step__code", "pain")
    }


def baseline_pains(scope: QuerySet, cement: dict[int, dt.datetime]) -> dict[int, float]:
    """Each procedure's baseline: the last baseline pain score, else pain at rest answered before the cement."""
    candidates = with_pain_at_rest(
        QuestionnaireResponse.objects.filter(procedure_id__in=scope).exclude(milestone__step__code__in=TIMEPOINTS)
    )
    baselines = {
        procedure: pain
        for procedure, at, pain in candidates.values_list("procedure_id", "authored_at", "pain")
        if at <= cement[procedure]
    }
    scores = PainScore.objects.filter(procedure_id__in=scope, source=PainScore.Source.BASELINE).order_by(
        "recorded_at", "id"
    )
    baselines.update((procedure, float(score)) for procedure, score in scores.values_list("procedure_id", "score"))
    return baselines


def by_timepoint(scope: QuerySet, latest: dict, baselines: dict, now: dt.datetime) -> list[dict]:
    expected = dict(
        Milestone.objects.filter(
            procedure__in=scope, step__code__in=TIMEPOINTS, due_at__lte=now, cancelled_at__isnull=True
        )
        .values_list("step__code")
        .annotate(n=Count("id"))
    )
    results = []
    for timepoint in TIMEPOINTS:
        pains = {procedure: pain for (procedure, code), pain in latest.items() if code == timepoint}
        judged = [relieved(pain, baselines[p]) for p, pain in pains.items() if p in baselines]
        interval = wilson_interval(sum(judged), len(judged))
        results.append(
            {
                "timepoint": timepoint,
                "answered": len(pains),
                "expected": expected.get(timepoint, 0),
                "response_rate": rounded(rate(len(pains), expected.get(timepoint, 0))),
                "median": rounded(quantile(list(pains.values()), 0.5), 1),
                "q1": rounded(quantile(list(pains.values()), 0.25), 1),
                "q3": rounded(quantile(list(pains.values()), 0.75), 1),
                "with_baseline": len(judged),
                "relief_rate": rounded(rate(sum(judged), len(judged))),
                "relief_ci95": interval and [rounded(interval[0]), rounded(interval[1])],
            }
        )
    return results


def complications(scope: QuerySet, total: int) -> list[dict]:
    """Every kind of complication, with the share of procedures that had it at least once."""
    having = defaultdict(set)
    for procedure, kind in Complication.objects.filter(procedure_id__in=scope).values_list("procedure_id", "kind"):
        having[kind].add(procedure)
    rows = []
    for kind in Complication.Kind.values:
        count = len(having[kind])
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


def stand_minutes(scope: QuerySet, cement: dict[int, dt.datetime]) -> dict[int, float]:
    """Minutes from the cement to "may stand" done (the patient first up), by procedure."""
    stood = Milestone.objects.filter(procedure_id__in=scope, step__code="may_stand", completed_at__isnull=False)
    return {
        procedure: (done - cement[procedure]).total_seconds() / 60
        for procedure, done in stood.values_list("procedure_id", "completed_at")
    }


def time_to_stand(scope: QuerySet, cement: dict[int, dt.datetime]) -> dict:
    minutes = list(stand_minutes(scope, cement).values())
    return {"median": rounded(quantile(minutes, 0.5), 0), "p90": rounded(quantile(minutes, 0.9), 0)}


def on_time_rate(scope: QuerySet, now: dt.datetime) -> float | None:
    """Of the staff milestones that fell due (completed, or past their overdue time), the share done in time."""
    staff = Milestone.objects.filter(procedure_id__in=scope, cancelled_at__isnull=True).exclude(
        step__audience="patient"
    )
    counts = staff.aggregate(
        due=Count("id", filter=Q(completed_at__isnull=False) | Q(overdue_at__lte=now)),
        on_time=Count("id", filter=Q(completed_at__lte=F("overdue_at"))),
    )
    return rounded(rate(counts["on_time"], counts["due"]))


def acknowledgement_seconds(scope: QuerySet) -> dict:
    """How long staff took to acknowledge their reminders and alerts, from delivery to the ward inbox."""
    answered = Reminder.objects.filter(
        procedure_id__in=scope,
        kind__in=[Reminder.Kind.MILESTONE, Reminder.Kind.ALERT],
        channel=Reminder.Channel.INAPP,
        sent_at__isnull=False,
        acknowledged_at__isnull=False,
    )
    seconds = [(ack - sent).total_seconds() for sent, ack in answered.values_list("sent_at", "acknowledged_at")]
    return {"median": rounded(quantile(seconds, 0.5), 0), "p90": rounded(quantile(seconds, 0.9), 0)}
