"""The page a patient link opens: the questionnaire she is asked to answer now, else her own next steps,
in her language and zone.

An open questionnaire comes first, one question a screen (notifications.patient_questionnaire); the
forms work without JavaScript and are protected against cross-site posting like every other form.
Once she has sent her answers the page says so, and when they hold a red flag it tells her what to
do now: call the ward, or the emergency services.
"""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from notifications.alerts import alerts_raised_by
from notifications.messages import PATIENT_MESSAGES
from notifications.patient_links import LinkRefused, patient_from_token
from notifications.patient_messages import readable_phone
from notifications.patient_questionnaire import (
    LONGEST_SCALE,
    Closed,
    Question,
    first_at_fault,
    flagged_so_far,
    has_every_required_answer,
    keep_answers,
    open_questionnaire,
    question,
    send_answers,
)
from procedures.models import Milestone, QuestionnaireItem, QuestionnaireResponse
from tracker.local_time import in_zone, long_day_and_time


@require_http_methods(["GET", "POST"])
@never_cache
def patient_page(request, token: str):
    try:
        patient = patient_from_token(token)
    except LinkRefused as refused:
        response = render(
            request, "notifications/patient/link_refused.html", {"reason": refused}, status=refused.status
        )
    else:
        with translation.override(patient.language), timezone.override(patient.ward.zone):
            response = answer(request, patient) if request.method == "POST" else show(request, patient)
    # Same-origin, not no-referrer: with no-referrer a browser posts the forms with "Origin: null",
    # which the CSRF check must refuse. No other site ever sees the link either way.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def show(request, patient):
    now = timezone.now()
    sent = sent_response(patient, request.GET.get("sent"))
    if sent is not None and any(alert.urgent for alert in alerts_raised_by(sent)):
        return render(request, "notifications/patient/red_flag.html", common_context(patient))
    milestone = open_questionnaire(patient, now)
    if milestone is None:
        return render(request, "notifications/patient/page.html", page_context(patient) | {"sent": sent})
    shown = question(milestone, request.GET.get("q"))
    return render(request, "notifications/patient/question.html", question_context(patient, shown) | {"sent": sent})


def answer(request, patient):
    """Keep the answers posted and go on to the next question; the last one sends them all.

    The page posts one question (named in the address) at a time; a form that posts every answer
    at once to the bare link is kept and sent too, once every required question has its answer.
    """
    now = timezone.now()
    milestone = open_questionnaire(patient, now)
    named = request.GET.get("milestone", str(milestone.pk) if milestone else None)  # the form's milestone
    if milestone is None or named != str(milestone.pk):
        return redirect(request.path)  # answered, closed or replaced meanwhile: show what is open now
    asked = question(milestone, request.GET.get("q"))
    on_one_screen = asked.item.link_id == request.GET.get("q")
    posted = [item for item in asked.items if item.link_id in request.POST or (on_one_screen and item == asked.item)]
    if not posted:
        return redirect(request.path)
    if wrong := keep_answers(milestone, posted, request.POST):
        item, error = wrong
        value = request.POST.get(item.link_id, "")
        return show_again(request, patient, question(milestone, item.link_id, value=value, error=error))
    if on_one_screen and not asked.is_last:
        return redirect(f"{request.path}?{urlencode({'q': asked.items[asked.index + 1].link_id})}")
    if not on_one_screen and not has_every_required_answer(milestone):
        return redirect(request.path)  # on to the first question not answered yet
    try:
        response = send_answers(milestone, now)
    except Closed:
        return redirect(request.path)
    except ValidationError as refusal:
        at_fault = first_at_fault(milestone, refusal)
        return show_again(request, patient, at_fault) if at_fault else redirect(request.path)
    return redirect(f"{request.path}?{urlencode({'sent': response.pk})}")


def show_again(request, patient, shown: Question):
    """The question again, with what is wrong with her answer."""
    return render(request, "notifications/patient/question.html", question_context(patient, shown), status=400)


def sent_response(patient, pk: str | None) -> QuestionnaireResponse | None:
    """The response she just sent (named in the address), if it is hers."""
    if not (pk and pk.isascii() and pk.isdigit() and len(pk) <= 18):  # a bigint, or nothing
        return None
    return QuestionnaireResponse.objects.filter(
        pk=pk, procedure__patient=patient, source=QuestionnaireResponse.Source.PATIENT
    ).first()


def common_context(patient) -> dict:
    return {
        "first_name": patient.given_name,
        "language": patient.language,
        "ward_phone": readable_phone(patient.ward.phone).replace(" ", "\N{NO-BREAK SPACE}"),  # never split on a phone
        "ward_tel": patient.ward.phone,  # E.164, for a tel: link
    }


def question_context(patient, shown: Question) -> dict:
    item = shown.item
    milestone = shown.milestone
    return common_context(patient) | {
        "title": milestone.step.questionnaire.title_in(),
        "number": shown.index + 1,
        "total": len(shown.items),
        "link_id": item.link_id,
        "text": item.text_in(),
        "required": item.required,
        "widget": widget(item),
        "options": [
            {"value": value, "label": label, "checked": value == shown.value} for value, label in options(item)
        ],
        "value": shown.value,
        "flagged": flagged_so_far(milestone),
        "error": shown.error,
        "is_last": shown.is_last,
        "action": "?" + urlencode({"milestone": milestone.pk, "q": item.link_id}),
        "back": "?" + urlencode({"q": shown.previous.link_id}) if shown.previous else "",
    }


def widget(item: QuestionnaireItem) -> str:
    """How the question is answered on the page: 'scale', 'choice' (buttons), 'number', 'string' or 'text'."""
    Type = QuestionnaireItem.Type
    if item.type == Type.INTEGER and is_short_scale(item):
        return "scale"
    if item.type in (Type.CHOICE, Type.BOOLEAN):
        return "choice"
    if item.type in (Type.INTEGER, Type.DECIMAL):
        return "number"
    return "string" if item.type == Type.STRING else "text"


def is_short_scale(item: QuestionnaireItem) -> bool:
    if item.min_value is None or item.max_value is None:
        return False
    return 0 < item.max_value - item.min_value + 1 <= LONGEST_SCALE


def options(item: QuestionnaireItem) -> list[tuple[str, str]]:
    if item.type == QuestionnaireItem.Type.BOOLEAN:
        return [("yes", _("Yes")), ("no", _("No"))]
    if item.type == QuestionnaireItem.Type.CHOICE:
        return [(option["code"], option["display"]) for option in item.options_in()]
    if widget(item) == "scale":
        return [(str(number), str(number)) for number in range(int(item.min_value), int(item.max_value) + 1)]
    return []


def page_title(step) -> str:
    """The step as the patient's page names it (notifications.messages); protocol labels are written for staff."""
    words = PATIENT_MESSAGES.get(step.message)
    return words.page_title if words and words.page_title else step.label_in()


def page_context(patient) -> dict:
    now = timezone.now()
    milestones = (
        Milestone.objects.awaited(now)
        .filter(procedure__patient=patient, due_at__gte=now - timezone.timedelta(days=1))
        .exclude(procedure__status="cancelled")
        .select_related("step")
        .order_by("due_at")
    )
    steps = [
        {
            "title": page_title(m.step),
            "iso": in_zone(m.due_at, patient.ward.zone).isoformat(timespec="minutes"),
            "when": long_day_and_time(m.due_at, patient.ward.zone, now),
        }
        for m in milestones
        if m.step.notifies_patient
    ]
    return common_context(patient) | {"steps": steps}
