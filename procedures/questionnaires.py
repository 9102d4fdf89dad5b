"""Answering a questionnaire: checking the answers, saving them, completing the step, raising red flags.

Like procedures.recording, `record_response` checks everything before it saves anything and
announces red flags (procedures.signals.red_flag_raised) in the same transaction.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from procedures.baseline import PAIN_AT_REST, baseline_pain
from procedures.models import (
    Milestone,
    Procedure,
    ProtocolStep,
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireResponse,
    Staff,
)
from procedures.recording import check_open, lock, raise_flags, save
from procedures.red_flag_words import TOPIC_NAMES, red_flag_topics
from procedures.red_flags import RedFlag, RedFlagKind
from procedures.timeline import complete_milestone

TEXT_LIMIT = 2000  # a free-text answer longer than a page is a paste, not an answer
TRUE_WORDS = {"true", "yes", "1", "on", "oui"}
FALSE_WORDS = {"false", "no", "0", "off", "non"}
Answer = int | Decimal | bool | str


def read_answers(questionnaire: Questionnaire, given: object) -> dict[str, Answer]:
    """Check answers given as {link_id: value} (JSON or form text); return them typed.

    Raise a ValidationError naming each item at fault: unknown items, missing required ones,
    values of the wrong type or out of range, options that do not exist.
    """
    if not isinstance(given, dict):
        raise ValidationError({"answers": "Give the answers as an object: {link_id: value}."})
    items = {item.link_id: item for item in questionnaire.items.all()}
    errors = {link_id: "No such question in this questionnaire." for link_id in given if link_id not in items}
    answers = {}
    for link_id, item in items.items():
        value = given.get(link_id)
        if value is None or value == "":
            if item.required:
                errors[link_id] = "This question needs an answer."
            continue
        try:
            answers[link_id] = read_answer(item, value)
        except ValidationError as error:
            errors[link_id] = error.messages[0]
    if errors:
        raise ValidationError(errors)
    return answers


def read_answer(item: QuestionnaireItem, value: object) -> Answer:
    if item.type in (QuestionnaireItem.Type.INTEGER, QuestionnaireItem.Type.DECIMAL):
        return read_number(item, value)
    if item.type == QuestionnaireItem.Type.BOOLEAN:
        return read_boolean(value)
    if not isinstance(value, str) or "\x00" in value:
        raise ValidationError("Give text.")
    if item.type == QuestionnaireItem.Type.CHOICE:
        if value not in item.option_codes():
            raise ValidationError(f"One of {', '.join(item.option_codes())}.")
        return value
    if len(value) > TEXT_LIMIT:
        raise ValidationError(f"At most {TEXT_LIMIT} characters.")
    return value.strip()


def read_number(item: QuestionnaireItem, value: object) -> int | Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValidationError("Give a number.")
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError("Give a number.") from None
    if not number.is_finite():
        raise ValidationError("Give a number.")
    if item.type == QuestionnaireItem.Type.INTEGER:
        if number != number.to_integral_value():
            raise ValidationError("Give a whole number.")
        number = int(number)
    too_low = item.min_value is not None and number < item.min_value
    too_high = item.max_value is not None and number > item.max_value
    if too_low or too_high:
        raise ValidationError(f"From {plain(item.min_value)} to {plain(item.max_value)}.")
    return number


def read_boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ValidationError("Yes or no.")


def plain(number: Decimal | None) -> str:
    return "…" if number is None else f"{number.normalize():f}"


def as_json(answers: dict[str, Answer]) -> dict:
    """Answers as JSON values: whole numbers stay integers, decimals become floats."""
    return {key: float(value) if isinstance(value, Decimal) else value for key, value in answers.items()}


@transaction.atomic
def record_response(
    *,
    procedure: Procedure,
    questionnaire: Questionnaire,
    answers: object,
    authored_at: dt.datetime,
    source: str,
    by: Staff | None = None,
    milestone: Milestone | None = None,
    now: dt.datetime | None = None,
) -> QuestionnaireResponse:
    """Save a response; `by` is None when the patient answers from her link. With `milestone`, complete it."""
    now = now or timezone.now()
    procedure = lock(procedure)
    check_open(procedure, authored_at, now=now, field="authored_at")
    if not questionnaire.is_published:
        raise ValidationError({"questionnaire": "This questionnaire version is not published."})
    typed = read_answers(questionnaire, answers)
    if milestone is not None:
        check_asks_for(procedure, milestone, questionnaire)
    response = QuestionnaireResponse(
        procedure=procedure,
        questionnaire=questionnaire,
        milestone=milestone,
        authored_at=authored_at,
        source=source,
        answers=as_json(typed),
        recorded_by=by,
    )
    save(response, by)
    raise_flags(procedure, response_flags(questionnaire, typed, baseline_pain(procedure)), response, now)
    if milestone is not None:
        complete_milestone(milestone=milestone, by=by, now=now, observed=True)
    return response


def check_asks_for(procedure: Procedure, milestone: Milestone, questionnaire: Questionnaire) -> None:
    if milestone.procedure_id != procedure.pk:
        raise ValidationError({"milestone": "This milestone belongs to another procedure."})
    step = milestone.step
    if step.records != ProtocolStep.Records.QUESTIONNAIRE or step.questionnaire_id != questionnaire.pk:
        raise ValidationError({"milestone": f"“{step.label_in()}” does not ask for this questionnaire."})


def response_flags(questionnaire: Questionnaire, answers: dict[str, Answer], baseline: int | None) -> list[RedFlag]:
    """The answers that must reach the ward at once, by the items' red-flag rules, said in every language."""
    items = questionnaire.items.all()
    flagged = [
        (item, answers[item.link_id]) for item in items if raises_flag(item, answers.get(item.link_id), baseline)
    ]
    if not flagged:
        return []

    def write() -> str:
        found = [f"{item.text_in()} {answer_words(item, value, baseline)}" for item, value in flagged]
        return f"{questionnaire.title_in()}: " + "; ".join(found)

    return [RedFlag.written(RedFlagKind.PATIENT_REPORTED, write)]


def raises_flag(item: QuestionnaireItem, value: Answer | None, baseline: int | None) -> bool:
    if value is None or isinstance(value, bool):
        return bool(item.flag_if_yes and value is True)
    if isinstance(value, str):
        return value in item.flag_options or bool(item.flag_words and red_flag_topics(value))
    return (
        item.flag_above_baseline is not None and baseline is not None and value >= baseline + item.flag_above_baseline
    )


def answer_words(item: QuestionnaireItem, value: Answer, baseline: int | None) -> str:
    """The flagged answer as the ward reads it, in the active language."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and value in item.flag_options:
        displays = {option["code"]: option["display"] for option in item.options_in()}
        return displays.get(value) or value.replace("_", " ")
    if isinstance(value, str):
        topics = ", ".join(str(TOPIC_NAMES[topic]) for topic in red_flag_topics(value))
        return _("mentions %(topics)s") % {"topics": topics}
    return _("%(value)s (baseline %(baseline)s)") % {"value": value, "baseline": baseline}


@transaction.atomic
def fill_pain_rest(*, procedure: Procedure, score: int, at: dt.datetime) -> QuestionnaireResponse | None:
    """A pain score the patient texted at `at`, while a questionnaire step's window is open, answers its `pain_rest`.

    Called by the SMS reply path after it recorded the score as a pain score (which raised the red
    flags a score carries: they are not raised a second time here). The step stays open for its other
    questions, which she answers from her link, unless pain at rest is the only one it requires: then
    the score completes it. What came by text is one response per step, holding `pain_rest` alone; a
    later text during the window replaces its score and time (its history keeps the earlier one). Of
    two steps open at once, the one due first is answered. Return the response, or None when no
    questionnaire step asking for pain at rest is open at `at`.
    """
    procedure = lock(procedure)
    milestone = (
        procedure.milestones.awaited(at)
        .filter(
            window_opens_at__lte=at,
            step__records=ProtocolStep.Records.QUESTIONNAIRE,
            step__questionnaire__items__link_id=PAIN_AT_REST,
        )
        .select_related("step__questionnaire")
        .order_by("due_at", "pk")
        .first()
    )
    if milestone is None:
        return None
    questionnaire = milestone.step.questionnaire
    items = list(questionnaire.items.all())
    try:
        value = read_answer(next(item for item in items if item.link_id == PAIN_AT_REST), score)
    except ValidationError:
        return None  # a site's own pain_rest on another scale: the score does not answer it
    answers = as_json({PAIN_AT_REST: value})
    response = next(
        (
            r
            for r in milestone.responses.filter(source=QuestionnaireResponse.Source.PATIENT)
            if set(r.answers) == {PAIN_AT_REST}
        ),
        None,
    ) or QuestionnaireResponse(
        procedure=procedure,
        questionnaire=questionnaire,
        milestone=milestone,
        source=QuestionnaireResponse.Source.PATIENT,
    )
    response.answers, response.authored_at = answers, at
    save(response, None)
    if all(item.link_id == PAIN_AT_REST for item in items if item.required):
        complete_milestone(milestone=milestone, by=None, now=at, observed=True)
    return response
