"""The ward pages. Thin: fetch what the user may see, call procedures.timeline, render.

Every page is shown in the time zone of the ward it is about; every object is fetched through
`visible_to(user)`, so another ward's patient answers 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from notifications.escalation import acknowledge
from notifications.models import InboundMessage, Reminder
from procedures.api.plumbing import log_access
from procedures.models import Event, EventKind, Milestone, Patient, Procedure, ProtocolStep, Ward
from procedures.observations import record_observations
from procedures.timeline import UNDO_WINDOW, complete_milestone, record_event, undo_completion
from ward.board import board_rows, recent_actions
from ward.board_html import board_html
from ward.drawing import timeline_drawing
from ward.forms import CompleteMilestoneForm, ObservationForm, RecordEventForm, add_domain_error
from ward.history import patient_history
from ward.pain_chart import pain_chart

WARD_SESSION_KEY = "ward_id"
# How often the open board asks for fresh rows; the issue asks for changes within 10 s.
POLL_SECONDS = 5
# An open board keeps reading its ward: its live refreshes are logged once in this long (per
# session and ward), not every POLL_SECONDS, which would bury the access log in identical rows.
BOARD_LOG_SECONDS = 15 * 60
BOARD_LOGGED_KEY = "board_logged_at"


def chosen_ward(request: HttpRequest) -> Ward | None:
    """Return the ward picked in this session, or the user's only ward."""
    wards = Ward.objects.visible_to(request.user)
    ward_id = request.session.get(WARD_SESSION_KEY)
    ward = ward_id and wards.filter(pk=ward_id).first()
    if not ward:
        only = list(wards[:2])
        ward = only[0] if len(only) == 1 else None
    return ward


@login_required
def board(request: HttpRequest) -> HttpResponse:
    ward = chosen_ward(request)
    if ward is None:
        return redirect("ward:choose")
    log_board_view(request, ward, refresh=False)
    with timezone.override(ward.zone):
        return render(request, "ward/board.html", board_context(request, ward) | {"poll_seconds": POLL_SECONDS})


@login_required
def board_live(request: HttpRequest, ward_id: int) -> HttpResponse:
    """The part of the board that the page's script fetches again every POLL_SECONDS."""
    ward = get_object_or_404(Ward.objects.visible_to(request.user), pk=ward_id)
    log_board_view(request, ward, refresh=True)
    with timezone.override(ward.zone):
        return render(request, "ward/_board_live.html", board_context(request, ward))


def log_board_view(request: HttpRequest, ward: Ward, *, refresh: bool) -> None:
    """One access-log row per board shown, naming the ward; a live refresh once per BOARD_LOG_SECONDS."""
    if refresh:
        now = int(timezone.now().timestamp())
        logged = request.session.get(BOARD_LOGGED_KEY, {})
        if now - logged.get(str(ward.pk), 0) < BOARD_LOG_SECONDS:
            return
        request.session[BOARD_LOGGED_KEY] = logged | {str(ward.pk): now}
    log_access(request, action="read", what="ward board", patients=[], object_id=ward.pk, ward=ward)


def board_context(request: HttpRequest, ward: Ward) -> dict:
    now = timezone.now()
    rows = board_rows(ward=ward, user=request.user, now=now)
    return {
        "ward": ward,
        "now": now,
        "rows": rows,
        "rows_html": board_html(rows, request),
        "recent": recent_actions(ward=ward, user=request.user, now=now),
    }


@login_required
def choose_ward(request: HttpRequest) -> HttpResponse:
    wards = Ward.objects.visible_to(request.user)
    chosen = request.POST.get("ward", "")
    if request.method == "POST" and chosen.isdigit():
        ward = wards.filter(pk=chosen).first()
        if ward:
            request.session[WARD_SESSION_KEY] = ward.pk
            return redirect("ward:board")
    return render(request, "ward/choose_ward.html", {"wards": wards, "current": chosen_ward(request)})


@login_required
def patient_page(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("ward"), pk=pk)
    log_access(request, action="read", what="patient", patients=[patient], object_id=patient.pk)
    now = timezone.now()
    procedures = patient.procedures.prefetch_related(
        Prefetch("events", queryset=Event.objects.select_related("recorded_by")),
        Prefetch("milestones", queryset=Milestone.objects.select_related("step", "completed_by")),
        "pain_scores",
    )
    with timezone.override(patient.ward.zone):
        timelines = [
            {
                "procedure": procedure,
                "drawing": timeline_drawing(procedure=procedure, now=now),
                "milestones": [(m, m.status_at(now)) for m in procedure.milestones.all()],
                "pain": pain_chart(list(procedure.pain_scores.all())),
            }
            for procedure in procedures
        ]
        return render(
            request,
            "ward/patient.html",
            {
                "patient": patient,
                "ward": patient.ward,
                "now": now,
                "timelines": timelines,
                "history": patient_history(patient=patient),
                "replies": InboundMessage.objects.filter(patient=patient)[:50],
            },
        )


@login_required
def record_event_page(request: HttpRequest, pk: int) -> HttpResponse:
    procedure = get_object_or_404(Procedure.objects.visible_to(request.user).select_related("patient__ward"), pk=pk)
    recorded = {event.kind: event for event in procedure.events.all()}
    kind = request.GET.get("kind")
    with timezone.override(procedure.ward.zone):
        form = RecordEventForm(request.POST or None, initial=event_form_initial(kind, recorded))
        if request.method == "POST" and form.is_valid():
            now = timezone.now()
            try:
                event = record_event(
                    procedure=procedure, kind=form.cleaned_data["kind"], at=form.moment(now), by=request.user, now=now
                )
            except ValidationError as error:
                add_domain_error(form, error)
            else:
                log_access(request, action="create", what="event", patients=[procedure.patient_id], object_id=event.pk)
                corrected = event.kind in recorded
                message = (
                    _("Corrected “%(event)s” to %(time)s for %(patient)s.")
                    if corrected
                    else _("Recorded “%(event)s” at %(time)s for %(patient)s.")
                )
                messages.success(request, message % describe(event.get_kind_display(), event.at, procedure.patient))
                return redirect(next_url(request))
        log_access(request, action="read", what="events", patients=[procedure.patient_id], object_id=procedure.pk)
        status = 400 if form.errors else 200
        context = {"procedure": procedure, "patient": procedure.patient, "recorded": recorded, "form": form}
        return render(request, "ward/record_event.html", context | {"next": next_url(request)}, status=status)


def complete(milestone: Milestone, form, *, by) -> Milestone:
    """Complete the milestone, through its observation check when its step records one."""
    note = form.cleaned_data["note"]
    if isinstance(form, ObservationForm):
        record_observations(
            procedure=milestone.procedure, values=form.values(), recorded_at=timezone.now(), by=by,
            milestone=milestone, note=note,
        )  # fmt: skip
        milestone.refresh_from_db()
        return milestone
    return complete_milestone(milestone=milestone, by=by, note=note)


@login_required
def complete_milestone_page(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(visible_milestones(request), pk=pk)
    patient = milestone.procedure.patient
    observes = milestone.step.records == ProtocolStep.Records.OBSERVATIONS
    with timezone.override(patient.ward.zone):
        form = (ObservationForm if observes else CompleteMilestoneForm)(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                milestone = complete(milestone, form, by=request.user)
            except ValidationError as error:
                add_domain_error(form, error)
            else:
                log_access(request, action="update", what="milestone", patients=[patient], object_id=milestone.pk)
                messages.success(
                    request,
                    _("Completed “%(event)s” at %(time)s for %(patient)s.")
                    % describe(milestone.step.label, milestone.completed_at, patient),
                )
                return redirect(next_url(request))
        log_access(request, action="read", what="milestone", patients=[patient], object_id=milestone.pk)
        status = 400 if form.errors else 200
        context = {
            "milestone": milestone,
            "patient": patient,
            "form": form,
            "now": timezone.now(),
            "undo_minutes": UNDO_WINDOW.seconds // 60,
        }
        return render(request, "ward/complete_milestone.html", context | {"next": next_url(request)}, status=status)


@login_required
@require_POST
def undo_completion_action(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(visible_milestones(request), pk=pk)
    patient = milestone.procedure.patient
    try:
        undo_completion(milestone=milestone, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        log_access(request, action="update", what="milestone", patients=[patient], object_id=milestone.pk)
        messages.success(
            request,
            _("Undone: “%(milestone)s” for %(patient)s is open again.")
            % {"milestone": milestone.step.label, "patient": patient_name(patient)},
        )
    return redirect(next_url(request))


def event_form_initial(kind: str | None, recorded: dict) -> dict:
    """Offer "now" for a new event; for one already recorded, its time, ready to be corrected."""
    if kind in recorded:
        return {"kind": kind, "when": RecordEventForm.AT, "at": recorded[kind].at}
    return {"kind": kind if kind in EventKind.values else None, "at": timezone.now().replace(second=0, microsecond=0)}


def visible_milestones(request: HttpRequest):
    return Milestone.objects.filter(procedure__in=Procedure.objects.visible_to(request.user)).select_related(
        "step", "procedure__patient__ward"
    )


def next_url(request: HttpRequest) -> str:
    """Where to go after an action: back to the page it came from, if that is on this site."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("ward:board")


def patient_name(patient: Patient) -> str:
    bed = _("bed %(bed)s") % {"bed": patient.bed} if patient.bed else _("no bed")
    return f"{patient.family_name.upper()} {patient.given_name} ({bed})"


def describe(what: str, at, patient: Patient) -> dict:
    local = timezone.localtime(at)
    return {"event": what, "time": local.strftime("%H:%M"), "patient": patient_name(patient)}


@login_required
@require_POST
def acknowledge_reminder(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = get_object_or_404(
        Reminder.objects.visible_to(request.user).filter(recipient_patient__isnull=True, status=Reminder.Status.SENT),
        pk=pk,
    )
    acknowledge(reminder=reminder, by=request.user)
    log_access(request, action="update", what="notification", patients=[reminder.procedure.patient_id], object_id=pk)
    messages.success(request, _("Acknowledged: %(what)s.") % {"what": reminder.label})
    return redirect(next_url(request))
