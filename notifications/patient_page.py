"""The page a patient link opens: that patient's own next steps, in her language and zone."""

from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from notifications.messages import PATIENT_MESSAGES
from notifications.patient_links import LinkRefused, patient_from_token
from notifications.patient_messages import readable_phone
from procedures.models import Milestone
from tracker.local_time import in_zone, long_day_and_time


@require_GET
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
            response = render(request, "notifications/patient/page.html", page_context(patient))
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def page_title(step) -> str:
    """The step as the patient's page names it (notifications.messages); protocol labels are written for staff."""
    words = PATIENT_MESSAGES.get(step.message)
    return words.page_title if words and words.page_title else step.label_in()


def page_context(patient) -> dict:
    now = timezone.now()
    milestones = (
        Milestone.objects.open()
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
    return {
        "first_name": patient.given_name,
        "language": patient.language,
        "steps": steps,
        "ward_phone": readable_phone(patient.ward.phone),
    }
