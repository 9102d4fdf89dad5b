"""The ward pages. Thin: fetch what the user may see, call procedures.timeline, render.

Every page is shown in the time zone of the ward it is about; every object is fetched through
`visible_to(user)`, so another ward's patient answers 404.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_POST

from notifications.alerts import acknowledge_red_flags
from notifications.escalation import acknowledge_sent_reminder
from notifications.models import InboundMessage, Reminder
from notifications.patient_links import still_opens
from procedures.baseline import baseline_from, pain_answers
from procedures.models import (
    Complication,
    Event,
    EventKind,
    Milestone,
    ObservationCheck,
    Patient,
    Procedure,
    ProtocolStep,
    Ward,
)
from procedures.recording import record_observations
from procedures.timeline import UNDO_WINDOW, complete_milestone, record_event, undo_completion
from tracker.api.access_log import log_access
from tracker.local_time import clock
from ward.board import Show, Sort, recent_actions
from ward.board_cache import ward_board
from ward.board_html import with_token
from ward.drawing import timeline_drawing
from ward.forms import CompleteMilestoneForm, HandoverNoteForm, ObservationForm, RecordEventForm, add_domain_error
from ward.history import patient_history
from ward.observation_chart import observation_rows, trend_chart
from ward.pain_chart import pain_chart
from ward.patient_alerts import patient_alerts
from ward.qr import qr_svg
from ward.red_flag_notice import red_flag_notices

WARD_SESSION_KEY = "ward_id"
# The patient link last issued from her page, kept in the (server-side) session to show it again.
LINK_SESSION_KEY = "patient_link:{pk}"
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


# The board and its live part are compressed for browsers that ask (300 rows are about 450 KB of
# HTML, some 16 KB compressed, over a ward's Wi-Fi every POLL_SECONDS). Safe from BREACH: nothing
# from the request is written back into them (the `show` and `sort` values are checked against
# their choices), the CSRF token is masked afresh in every response, and Django pads compressed
# responses with random bytes.
@gzip_page
@login_required
def board(request: HttpRequest) -> HttpResponse:
    ward = chosen_ward(request)
    if ward is None:
        return redirect("ward:choose")
    log_board_view(request, ward, refresh=False)
    with timezone.override(ward.zone):
        return render(request, "ward/board.html", board_context(request, ward) | {"poll_seconds": POLL_SECONDS})


@gzip_page
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
    show = request.GET.get("show") if request.GET.get("show") in Show.CHOICES else Show.ALL
    sort = request.GET.get("sort") if request.GET.get("sort") in Sort.CHOICES else Sort.URGENCY
    query = board_query(show, sort)
    # The rows' forms come back to the board as the nurse filtered it, also when the live part wrote them.
    board_url = reverse("ward:board") + (f"?{query}" if query else "")
    board = ward_board(ward=ward, user=request.user, show=show, sort=sort, back_to=board_url, now=timezone.now())
    return {
        "ward": ward,
        "now": board.now,  # when the rows were read: "Updated at"
        "show": show,
        "sort": sort,
        "query": query,
        "filters": [
            (_("Needs me now"), board_query(Show.NOW, sort), show == Show.NOW),
            (_("All"), board_query(Show.ALL, sort), show == Show.ALL),
            (_("Discharged today"), board_query(Show.DISCHARGED, sort), show == Show.DISCHARGED),
        ],
        "sorts": [
            (_("By urgency"), board_query(show, Sort.URGENCY), sort == Sort.URGENCY),
            (_("By bed"), board_query(show, Sort.BED), sort == Sort.BED),
        ],
        "board": board,
        "rows_html": with_token(board.rows_html, request),
        "discharged_html": with_token(board.discharged_html, request),
        "red_flags_html": mark_safe(board.red_flags_html),  # written by board_html, every value escaped
        "red_flags_signature": board.red_flags_signature,
        "recent": recent_actions(ward=ward, user=request.user, now=timezone.now()),
    }


def board_query(show: str, sort: str) -> str:
    """The query string of a board link, without the defaults."""
    return "&".join(f"{name}={value}" for name, value, default in
                    [("show", show, Show.ALL), ("sort", sort, Sort.URGENCY)] if value != default)  # fmt: skip


@login_required
def choose_ward(request: HttpRequest) -> HttpResponse:
    wards = Ward.objects.visible_to(request.user)
    chosen = request.POST.get("ward", "")
    refused = ""
    if request.method == "POST":
        # "²".isdigit() is True, but it is no ward's id: only ASCII digits are looked up.
        ward = (
            wards.filter(pk=int(chosen)).first() if chosen.isascii() and chosen.isdigit() and len(chosen) < 19 else None
        )
        if ward:
            request.session[WARD_SESSION_KEY] = ward.pk
            return redirect("ward:board")
        refused = _("Choose one of your wards.")
    context = {"wards": wards, "current": chosen_ward(request), "refused": refused}
    return render(request, "ward/choose_ward.html", context, status=400 if refused else 200)


@login_required
def patient_page(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient.objects.visible_to(request.user).select_related("ward"), pk=pk)
    log_access(request, action="read", what="patient", patients=[patient], object_id=patient.pk)
    now = timezone.now()
    procedures = patient.procedures.select_related("protocol").prefetch_related(
        Prefetch("events", queryset=Event.objects.select_related("recorded_by")),
        Prefetch("milestones", queryset=Milestone.objects.select_related("step", "completed_by")),
        Prefetch("observations", queryset=ObservationCheck.objects.select_related("recorded_by", "pain")),
        Prefetch("complications", queryset=Complication.objects.select_related("reported_by")),
        "pain_scores",
        Prefetch("responses", pain_answers(), to_attr="pain_answers"),
        "protocol__observation_limits",
    )
    with timezone.override(patient.ward.zone):
        timelines = [procedure_context(procedure, now) for procedure in procedures]
        return render(
            request,
            "ward/patient.html",
            {
                "patient": patient,
                "ward": patient.ward,
                "now": now,
                "timelines": timelines,
                "alerts": patient_alerts(patient),
                "link": shown_link(request, patient, now),
                "notes": patient.handover_notes.select_related("author")[:20],
                "note_form": HandoverNoteForm(),
                "history": patient_history(patient=patient),
                "replies": InboundMessage.objects.filter(patient=patient)[:50],
            },
        )


def procedure_context(procedure: Procedure, now) -> dict:
    """What the patient page shows of one procedure, from what patient_page prefetched."""
    scores = list(procedure.pain_scores.all())
    cement_at = next((e.at for e in procedure.events.all() if e.kind == EventKind.CEMENT_INJECTED), None)
    checks = list(procedure.observations.all())
    limits = list(procedure.protocol.observation_limits.all())
    return {
        "procedure": procedure,
        "drawing": timeline_drawing(procedure=procedure, now=now),
        "milestones": [(m, m.status_at(now)) for m in procedure.milestones.all()],
        "pain": pain_chart(scores, baseline_from(scores, procedure.pain_answers, cement_at)),
        "observations": observation_rows(checks, limits),
        "trend": trend_chart(checks, limits),
        "complications": list(procedure.complications.all()),
        "open": procedure.status not in (Procedure.Status.CANCELLED, Procedure.Status.DISCHARGED),
    }


def shown_link(request: HttpRequest, patient: Patient, now) -> dict | None:
    """The link issued from this page in this session, with its QR code, while it is still valid."""
    issued = request.session.get(LINK_SESSION_KEY.format(pk=patient.pk))
    if not issued or not still_opens(issued["url"], now=now):  # revoked since (here, by API, by STOP) or expired
        return None
    expires_at = dt.datetime.fromisoformat(issued["expires_at"])
    qr = qr_svg(issued["url"], title=_("QR code of the patient's link"))
    return {"url": issued["url"], "expires_at": expires_at, "qr": qr}


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


def complete(milestone: Milestone, form, *, by) -> tuple[Milestone, ObservationCheck | None]:
    """Complete the milestone, through its observation check when its step records one."""
    note = form.cleaned_data["note"]
    if isinstance(form, ObservationForm):
        check = record_observations(
            procedure=milestone.procedure, values=form.values(), recorded_at=timezone.now(), by=by,
            milestone=milestone, note=note,
        )  # fmt: skip
        milestone.refresh_from_db()
        return milestone, check
    return complete_milestone(milestone=milestone, by=by, note=note), None


@login_required
def complete_milestone_page(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(visible_milestones(request), pk=pk)
    patient = milestone.procedure.patient
    observes = milestone.step.records == ProtocolStep.Records.OBSERVATIONS
    with timezone.override(patient.ward.zone):
        if observes:
            previous = milestone.procedure.observations.select_related("pain").order_by("-recorded_at", "-id").first()
            form = ObservationForm(request.POST or None, previous=previous)
        else:
            form = CompleteMilestoneForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                milestone, check = complete(milestone, form, by=request.user)
            except ValidationError as error:
                add_domain_error(form, error)
            else:
                log_access(request, action="update", what="milestone", patients=[patient], object_id=milestone.pk)
                messages.success(
                    request,
                    _("Completed “%(event)s” at %(time)s for %(patient)s.")
                    % describe(milestone.step.label_in(), milestone.completed_at, patient),
                )
                if check is not None:
                    limits = list(milestone.procedure.protocol.observation_limits.all())
                    for notice in red_flag_notices(check, check.pain, limits=limits):
                        messages.error(request, notice, extra_tags="red-flag")
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
            % {"milestone": milestone.step.label_in(), "patient": patient_name(patient)},
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
    """Where to go after an action: back to the page it came from, if that is on this site.

    Only a path: `redirect()` reads any other word ("board", "nan") as the name of a view and fails
    with a 500 after the action was saved, so that the nurse would do it again."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    is_path = candidate.startswith("/") and candidate.isprintable()  # no control character (NUL, CR, LF)
    if is_path and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("ward:board")


def patient_name(patient: Patient) -> str:
    bed = _("bed %(bed)s") % {"bed": patient.bed} if patient.bed else _("no bed")
    return f"{patient.family_name.upper()} {patient.given_name} ({bed})"


def describe(what: str, at, patient: Patient) -> dict:
    return {"event": what, "time": clock(at, timezone.get_current_timezone()), "patient": patient_name(patient)}


@login_required
@require_POST
def acknowledge_reminder(request: HttpRequest, pk: int) -> HttpResponse:
    reminder = get_object_or_404(Reminder.objects.visible_to(request.user), pk=pk)
    try:
        acknowledge_sent_reminder(reminder=reminder, by=request.user)
    except ValidationError:
        raise Http404("Not a reminder to acknowledge.") from None  # a message to the patient, or not sent
    log_access(request, action="update", what="notification", patients=[reminder.procedure.patient_id], object_id=pk)
    messages.success(request, _("Acknowledged: %(what)s.") % {"what": reminder.label})
    return redirect(next_url(request))


@login_required
@require_POST
def acknowledge_red_flags_action(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge all of a patient's open red flags with one tap; each is recorded as acknowledged."""
    procedure = get_object_or_404(Procedure.objects.visible_to(request.user).select_related("patient"), pk=pk)
    flags = acknowledge_red_flags(procedure=procedure, by=request.user, now=timezone.now())
    if flags:
        message = ngettext(
            "Acknowledged %(count)s red flag for %(patient)s: %(what)s.",
            "Acknowledged %(count)s red flags for %(patient)s: %(what)s.",
            len(flags),
        )
        what = "; ".join(flag.label for flag in flags)
        messages.success(
            request, message % {"count": len(flags), "patient": patient_name(procedure.patient), "what": what}
        )
    else:
        messages.info(
            request,
            _("No open red flag for %(patient)s: already acknowledged.") % {"patient": patient_name(procedure.patient)},
        )
    return redirect(next_url(request))
