"""The patient's pain before the procedure: one rule for the red flags, the pain chart and the handover,
the same as the ward's results count it in SQL (outcomes.summary).

It is the last baseline pain score; else the pain at rest of the last answer given before the cement
(while the cement is not in, of the last answer): protocol 2 asks for it in the recovery check before
the procedure, not as a score.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from procedures.models import EventKind, PainScore, Procedure, QuestionnaireResponse

PAIN_AT_REST = "pain_rest"


@dataclass(frozen=True)
class BaselinePain:
    score: int
    recorded_at: dt.datetime
    from_answers: bool  # given in a recovery check, not as a pain score


def baseline_from(
    scores: Iterable[PainScore], answers: Iterable[QuestionnaireResponse], cement_at: dt.datetime | None
) -> BaselinePain | None:
    """The baseline among records already read (a page that read them for every patient at once)."""
    kept = [score for score in scores if score.source == PainScore.Source.BASELINE]
    if kept:
        last = max(kept, key=lambda score: (score.recorded_at, score.pk))
        return BaselinePain(last.score, last.recorded_at, from_answers=False)
    before = [
        response
        for response in answers
        if response.answers.get(PAIN_AT_REST) is not None and (cement_at is None or response.authored_at <= cement_at)
    ]
    if before:
        last = max(before, key=lambda response: (response.authored_at, response.pk))
        return BaselinePain(last.answers[PAIN_AT_REST], last.authored_at, from_answers=True)
    return None


def pain_answers():
    """The answers that may hold a baseline, with only what the rule reads (for a Prefetch)."""
    return QuestionnaireResponse.objects.filter(answers__has_key=PAIN_AT_REST).only(
        "id", "procedure_id", "authored_at", "answers"
    )


def baseline_of(procedure: Procedure) -> BaselinePain | None:
    """The procedure's baseline, read from the database (three small queries; pages that show several
    procedures prefetch `pain_answers()` and call baseline_from)."""
    scores = procedure.pain_scores.filter(source=PainScore.Source.BASELINE).order_by("-recorded_at", "-id")[:1]
    cement_at = procedure.events.filter(kind=EventKind.CEMENT_INJECTED).values_list("at", flat=True).first()
    answers = pain_answers().filter(procedure=procedure).order_by("-authored_at", "-id")
    if cement_at is not None:
        answers = answers.filter(authored_at__lte=cement_at)
    return baseline_from(scores, answers[:1], cement_at)


def baseline_pain(procedure: Procedure) -> int | None:
    """The baseline score alone (what the red-flag rules compare with)."""
    baseline = baseline_of(procedure)
    return baseline.score if baseline else None
