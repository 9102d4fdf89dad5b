"""A ward's own results over a period: pain over time, relief, complications, timeliness.

The procedures counted are those whose cement was injected in the period. Every figure is read
with a fixed number of queries, whatever the number of procedures (the page must answer in
200 ms for a ward with 5,000 procedures and 30,000 responses: benchmarks/outcomes.py).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from notifications.models import Reminder
from outcomes.references import REFERENCES, public
from outcomes.statistics import quantile, rate, rounded, wilson_interval
from procedures.models import (
    Complication,
    Event,
    EventKind,
    Milestone,
    PainScore,
    Procedure,
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


def procedures_in(period: Period) -> QuerySet:
    """The procedures of the period's wards whose cement was injected in the period."""
    procedures = Procedure.objects.filter(
        patient__ward__in=period.wards,
        events__kind=EventKind.CEMENT_INJECTED,
        events__at__gte=period.start,
        events__at__lt=period.end,
    )
    return procedures.filter(kind=period.kind) if period.kind else procedures


def ward_results(period: Period, *, now: dt.datetime) -> dict:
    scope = procedures_in(period).values("pk")
    cement = dict(
        Event.objects.filter(procedure__in=scope, kind=EventKind.CEMENT_INJECTED).values_list("procedure_id", "at")
    )
    answers = pain_answers(scope)
    baselines = baseline_pains(scope, cement, answers)
    return {
        "procedures": len(cement),
        "pain": {
            "baseline_median": rounded(quantile(list(baselines.values()), 0.5), 1),
            "by_timepoint": by_timepoint(scope, answers, baselines, now),
        },
        "complications": complications(scope, len(cement)),
        "time_to_stand_minutes": time_to_stand(scope, cement),
        "milestones_on_time_rate": on_time_rate(scope, now),
        "staff_acknowledgement_seconds": acknowledgement_seconds(scope),
        "references": [public(ref) for ref in REFERENCES],
    }


def pain_answers(scope: QuerySet) -> list[tuple[int, str, dt.datetime, float]]:
    """(procedure, step code, authored_at, pain_rest) of every response that answered pain at rest."""
    rows = (
        QuestionnaireResponse.objects.filter(procedure__in=scope, answers__has_key="pain_rest")
        .order_by("authored_at", "id")
        .values_list("procedure_id", "milestone__step__code", "authored_at", "answers__pain_rest")
    )
    return [(procedure, code or "", at, float(pain)) for procedure, code, at, pain in rows]


def baseline_pains(scope: QuerySet, cement: dict, answers: list) -> dict[int, float]:
    """Each procedure's baseline: the last baseline pain score, else pain at rest answered before the cement."""
    baselines = {}
    for procedure, pain in answers_before_cement(answers, cement):
        baselines[procedure] = pain
    scores = PainScore.objects.filter(procedure__in=scope, source=PainScore.Source.BASELINE).order_by(
        "recorded_at", "id"
    )
    for procedure, score in scores.values_list("procedure_id", "score"):
        baselines[procedure] = float(score)
    return baselines


def answers_before_cement(answers: list, cement: dict):
    for procedure, _code, at, pain in answers:
        if procedure in cement and at <= cement[procedure]:
            yield procedure, pain


def by_timepoint(scope: QuerySet, answers: list, baselines: dict, now: dt.datetime) -> list[dict]:
    latest = {}  # (procedure, timepoint) -> pain at rest, the last answer counting
    for procedure, code, _at, pain in answers:
        if code in TIMEPOINTS:
            latest[procedure, code] = pain
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
    for procedure, kind in Complication.objects.filter(procedure__in=scope).values_list("procedure_id", "kind"):
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


def time_to_stand(scope: QuerySet, cement: dict) -> dict:
    stood = Milestone.objects.filter(procedure__in=scope, step__code="may_stand", completed_at__isnull=False)
    minutes = [
        (done - cement[procedure]).total_seconds() / 60
        for procedure, done in stood.values_list("procedure_id", "completed_at")
        if procedure in cement
    ]
    return {"median": rounded(quantile(minutes, 0.5), 0), "p90": rounded(quantile(minutes, 0.9), 0)}


def on_time_rate(scope: QuerySet, now: dt.datetime) -> float | None:
    """Of the staff milestones that fell due (completed, or past their overdue time), the share done in time."""
    staff = Milestone.objects.filter(procedure__in=scope, cancelled_at__isnull=True).exclude(step__audience="patient")
    counts = staff.aggregate(
        due=Count("id", filter=Q(completed_at__isnull=False) | Q(overdue_at__lte=now)),
        on_time=Count("id", filter=Q(completed_at__lte=F("overdue_at"))),
    )
    return rounded(rate(counts["on_time"], counts["due"]))


def acknowledgement_seconds(scope: QuerySet) -> dict:
    """How long staff took to acknowledge their reminders and alerts, from delivery to the ward inbox."""
    answered = Reminder.objects.filter(
        procedure__in=scope,
        kind__in=[Reminder.Kind.MILESTONE, Reminder.Kind.ALERT],
        channel=Reminder.Channel.INAPP,
        sent_at__isnull=False,
        acknowledged_at__isnull=False,
    )
    seconds = [(ack - sent).total_seconds() for sent, ack in answered.values_list("sent_at", "acknowledged_at")]
    return {"median": rounded(quantile(seconds, 0.5), 0), "p90": rounded(quantile(seconds, 0.9), 0)}
