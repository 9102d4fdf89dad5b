"""The questionnaire a patient answers from her link: one question a screen, kept as she goes, sent at the end.

Plain forms, no JavaScript: each answer is posted, checked by the rules every response follows
(procedures.questionnaires.read_answer), kept in her ResponseDraft, and the browser is sent on to
the next question (post/redirect/get). The last answer sends the whole response through
record_response, which completes the step and raises its red flags as for any other response
(an urgent alert to the ward, escalated like a red-flag text message).
"""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from procedures.baseline import baseline_pain
from procedures.models import (
    Milestone,
    Patient,
    Procedure,
    ProtocolStep,
    QuestionnaireItem,
    QuestionnaireResponse,
    ResponseDraft,
)
from procedures.questionnaires import (
    TEXT_LIMIT,
    as_json,
    read_answer,
    record_response,
    response_flags,
)

# An integer scale this short (pain from 0 to 10) is a row of buttons rather than a number to type.
LONGEST_SCALE = 11


class Closed(Exception):
    """The step was answered, cancelled or missed while she was on it."""


@dataclass(frozen=True)
class Question:
    milestone: Milestone
    items: list[QuestionnaireItem]
    index: int
    value: str = ""  # the answer as form text
    error: str = ""

    @property
    def item(self) -> QuestionnaireItem:
        return self.items[self.index]

    @property
    def is_last(self) -> bool:
        return self.index == len(self.items) - 1

    @property
    def previous(self) -> QuestionnaireItem | None:
        return self.items[self.index - 1] if self.index else None


def open_questionnaire(patient: Patient, now: dt.datetime) -> Milestone | None:
    """The questionnaire step she may answer now: not done, its window open, the earliest due first.

    Whatever its audience: a step for staff (the check before the procedure, "staff-entered or
    answered by the patient") is offered to her too when she opens her link. The audience still
    decides who is sent messages: she gets none for a staff step.
    """
    return (
        Milestone.objects.awaited(now)
        .filter(
            procedure__patient=patient,
            window_opens_at__lte=now,
            step__records=ProtocolStep.Records.QUESTIONNAIRE,
            step__questionnaire__published_at__isnull=False,
            step__questionnaire__items__isnull=False,
        )
        .distinct()
        .exclude(procedure__status=Procedure.Status.CANCELLED)
        .select_related("step__questionnaire", "procedure")
        .order_by("due_at", "pk")
        .first()
    )


def kept_answers(milestone: Milestone) -> dict:
    return ResponseDraft.objects.filter(milestone=milestone).values_list("answers", flat=True).first() or {}


def question(
    milestone: Milestone, link_id: str | None = None, *, value: str | None = None, error: str = ""
) -> Question:
    """The question `link_id` asks, else the first she has not answered yet (she comes back where she stopped)."""
    items = list(milestone.step.questionnaire.items.all())
    kept = kept_answers(milestone)
    codes = [item.link_id for item in items]
    if link_id not in codes:
        link_id = next((code for code in codes if code not in kept), codes[-1])
    index = codes.index(link_id)
    shown = as_form_text(kept.get(link_id)) if value is None else value
    return Question(milestone, items, index, shown, error)


def as_form_text(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def check_answer(item: QuestionnaireItem, value: str) -> tuple[object, str]:
    """The answer typed as it will be saved, and what is wrong with it in her language ('' if nothing)."""
    if value.strip() == "":
        return "", _("Please answer this question.") if item.required else ""
    try:
        return as_json({item.link_id: read_answer(item, value)})[item.link_id], ""
    except ValidationError:
        return None, wrong_answer(item, value)


def wrong_answer(item: QuestionnaireItem, value: str) -> str:
    if item.type in (QuestionnaireItem.Type.INTEGER, QuestionnaireItem.Type.DECIMAL):
        if item.min_value is None or item.max_value is None:
            return _("Please give a number.")
        low, high = (f"{number.normalize():f}" for number in (item.min_value, item.max_value))
        return _("Please give a number from %(low)s to %(high)s.") % {"low": low, "high": high}
    if item.type == QuestionnaireItem.Type.CHOICE:
        return _("Please choose one of the answers.")
    if item.type == QuestionnaireItem.Type.BOOLEAN:
        return _("Please answer yes or no.")
    if len(value) > TEXT_LIMIT:
        return _("Please shorten your answer to %(limit)s characters at most.") % {"limit": TEXT_LIMIT}
    return _("This answer cannot be read: please write it again.")


def keep_answers(milestone: Milestone, items: list[QuestionnaireItem], posted) -> tuple[QuestionnaireItem, str] | None:
    """Check the answers posted to these questions and keep them all in her draft, or none of them.

    Return the first question whose answer is wrong, with what is wrong with it; None when all are kept.
    """
    typed = {}
    for item in items:
        typed[item.link_id], error = check_answer(item, posted.get(item.link_id, ""))
        if error:
            return item, error
    with transaction.atomic():
        ResponseDraft.objects.get_or_create(milestone=milestone)
        draft = ResponseDraft.objects.select_for_update().get(milestone=milestone)
        draft.answers.update(typed)
        draft.save(update_fields=["answers", "updated_at"])
    return None


def flagged_so_far(milestone: Milestone) -> bool:
    """Whether an answer she has given already is a red flag: she is told what to do before she sends them."""
    given = {link_id: value for link_id, value in kept_answers(milestone).items() if value != ""}
    return bool(given) and bool(response_flags(milestone.step.questionnaire, given, baseline_pain(milestone.procedure)))


def has_every_required_answer(milestone: Milestone) -> bool:
    kept = kept_answers(milestone)
    return all(
        kept.get(item.link_id) not in (None, "") for item in milestone.step.questionnaire.items.all() if item.required
    )


@transaction.atomic
def send_answers(milestone: Milestone, now: dt.datetime) -> QuestionnaireResponse:
    """Record her kept answers as the step's response, which completes it; raise Closed if it no longer can.

    Raises ValidationError, keeping the draft, when an answer is missing or no longer fits.
    """
    # The procedure before the milestone, in the order record_response and the staff pages lock them.
    procedure = Procedure.objects.select_for_update().get(pk=milestone.procedure_id)
    milestone = (
        Milestone.objects.select_for_update(of=("self",)).select_related("step__questionnaire").get(pk=milestone.pk)
    )
    if not milestone.is_open or milestone.status_at(now) == Milestone.Status.MISSED:
        raise Closed
    response = record_response(
        procedure=procedure,
        questionnaire=milestone.step.questionnaire,
        answers=kept_answers(milestone),
        authored_at=now,
        source=QuestionnaireResponse.Source.PATIENT,
        milestone=milestone,
        now=now,
    )
    ResponseDraft.objects.filter(milestone=milestone).delete()
    return response


def first_at_fault(milestone: Milestone, refused: ValidationError) -> Question | None:
    """The first question a refused response names, with what is wrong with it; None if it names none."""
    faults = refused.message_dict if hasattr(refused, "error_dict") else {}
    kept = kept_answers(milestone)
    for item in milestone.step.questionnaire.items.all():
        if item.link_id in faults:
            value = as_form_text(kept.get(item.link_id))
            error = check_answer(item, value)[1] or _("Please answer this question.")
            return question(milestone, item.link_id, value=value, error=error)
    return None
