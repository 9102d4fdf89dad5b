"""What a nurse records or sends from the patient page, outside any milestone.

Thin, like ward.views: fetch within the user's wards, call the same services as the API
(procedures.recording, notifications.link_messages, notifications.patient_links), say what
happened (and at once, any red flag it raised) on the next page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.calendar import Appointment, calendar_file
from notifications.content import APPOINTMENT_LENGTH
from notifications.link_messages import send_link
from notifications.messages import APPOINTMENT_KEYS
from notifications.patient_links import issue_link, revoke_links
from procedures.models import Milestone, PainScore, Patient, Procedure
from procedures.recording import record_observations, record_pain_score, report_complication
from ward.forms import ComplicationForm, PainScoreForm, RecordObservationForm, add_domain_error
from ward.red_flag_notice import red_flag_notices
from ward.views import LINK_SESSION_KEY, describe


def visible_procedure(request: HttpRequest, pk: int) -> Procedure:
    procedures = Procedure.objects.visible_to(request.user).select_related("patient__ward", "protocol")
    return get_object_or_404(procedures, pk=pk)


def patient_url(procedure: Procedure) -> str:
    return reverse("ward:patient", args=[procedure.patient_id])


def say_red_flags(request: HttpRequest, *sources, procedure: Procedure) -> None:
    for notice in red_flag_notices(*sources, limits=list(procedure.protocol.observation_limits.all())):
        messages.error(request, notice, extra_tags="red-flag")


def record_page(request: HttpRequest, procedure: Procedure, form, *, title: str, save, **extra) -> HttpResponse:
    """Show `form`; on a valid POST call `save(cleaned_data)`, which returns (message, rows that may raise flags)."""
    if request.method == "POST" and form.is_valid():
        try:
            said, sources = save(form.cleaned_data)
        except ValidationError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, said)
            say_red_flags(request, *sources, procedure=procedure)
            return redirect(patient_url(procedure))
    context = {"procedure": procedure, "patient": procedure.patient, "form": form, "title": title, **extra}
    status = 400 if form.errors else 200
    return render(request, "ward/record_clinical.html", context | {"next": patient_url(procedure)}, status=status)


def now_in_minutes() -> dict:
    return {"recorded_at": timezone.localtime().replace(second=0, microsecond=0)}


@login_required
def record_observations_page(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = visible_procedure(request, pk)
    previous = procedure.observations.select_related("pain").order_by("-recorded_at", "-id").first()
    with timezone.override(procedure.ward.zone):
        form = RecordObservationForm(request.POST or None, initial=now_in_minutes(), previous=previous)

        def save(data):
            check = record_observations(
                procedure=procedure, values=form.values(), recorded_at=data["recorded_at"], by=request.user
            )
            said = _("Recorded observations taken at %(time)s for %(patient)s.")
            return said % describe("", check.recorded_at, procedure.patient), [check, check.pain]

        return record_page(request, procedure, form, title=_("Record observations"), save=save, previous=previous)


@login_required
def record_pain_page(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = visible_procedure(request, pk)
    with timezone.override(procedure.ward.zone):
        form = PainScoreForm(request.POST or None, initial=now_in_minutes())

        def save(data):
            pain = record_pain_score(
                procedure=procedure, score=data["score"], recorded_at=data["recorded_at"],
                source=PainScore.Source.STAFF, by=request.user,
            )  # fmt: skip
            said = _("Recorded pain %(score)s/10 at %(time)s for %(patient)s.")
            return said % (describe("", pain.recorded_at, procedure.patient) | {"score": pain.score}), [pain]

        return record_page(request, procedure, form, title=_("Record a pain score"), save=save)


@login_required
def report_complication_page(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = visible_procedure(request, pk)
    with timezone.override(procedure.ward.zone):
        form = ComplicationForm(request.POST or None, initial={"noted_at": now_in_minutes()["recorded_at"]})

        def save(data):
            complication = report_complication(procedure=procedure, by=request.user, **data)
            said = _("Recorded “%(event)s” at %(time)s for %(patient)s.")
            return said % describe(complication.get_kind_display(), complication.noted_at, procedure.patient), [
                complication
            ]

        return record_page(request, procedure, form, title=_("Report a complication"), save=save)


def visible_patient(request: HttpRequest, pk: int) -> Patient:
    return get_object_or_404(Patient.objects.visible_to(request.user).select_related("ward"), pk=pk)


@login_required
@require_POST
def issue_link_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a new link for the patient and show it (QR code and URL) on her page."""
    patient = visible_patient(request, pk)
    url, expires_at = issue_link(patient)
    request.session[LINK_SESSION_KEY.format(pk=patient.pk)] = {"url": url, "expires_at": expires_at.isoformat()}
    return redirect(reverse("ward:patient", args=[patient.pk]) + "#patient-link")


@login_required
@require_POST
def send_link_action(request: HttpRequest, pk: int) -> HttpResponse:
    patient = visible_patient(request, pk)
    try:
        reminder = send_link(patient=patient)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        channel = _("by SMS") if reminder.channel == "sms" else _("by e-mail")
        messages.success(request, _("The patient's link is being sent %(channel)s.") % {"channel": channel})
    return redirect(reverse("ward:patient", args=[patient.pk]) + "#patient-link")


@login_required
@require_POST
def revoke_links_action(request: HttpRequest, pk: int) -> HttpResponse:
    patient = visible_patient(request, pk)
    revoke_links(patient)
    request.session.pop(LINK_SESSION_KEY.format(pk=patient.pk), None)
    messages.success(request, _("None of this patient's links opens any more."))
    return redirect(reverse("ward:patient", args=[patient.pk]) + "#patient-link")


@login_required
def appointments_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """The patient's follow-up appointments still to come, as one calendar file, in her language (it is
    for her calendar, like the one her reminders carry)."""
    patient = visible_patient(request, pk)
    milestones = (
        Milestone.objects.open()
        .filter(procedure__patient=patient, due_at__gte=timezone.now())
        .exclude(procedure__status=Procedure.Status.CANCELLED)
        .select_related("step")
        .order_by("due_at")
    )
    events = [
        Appointment(
            f"{m.pk}@recovery-tracker",
            m.due_at,
            APPOINTMENT_LENGTH,
            m.step.label_in(patient.language),
            location=patient.ward.name,
        )
        for m in milestones
        if m.step.message in APPOINTMENT_KEYS
    ]
    response = HttpResponse(calendar_file(events), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="follow-up-{patient.mrn}.ics"'
    return response
