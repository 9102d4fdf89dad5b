"""The handover sheet of a ward, and the notes nurses write on it. Thin: ward.handover reads."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procedures.models import Patient, Ward
from ward.forms import HandoverNoteForm
from ward.handover import LOOK_AHEAD, handover_entries
from ward.models import HandoverNote
from ward.views import next_url


@login_required
def handover_page(request: HttpRequest, ward_id: int) -> HttpResponse:
    ward = get_object_or_404(Ward.objects.visible_to(request.user), pk=ward_id)
    now = timezone.now()
    with timezone.override(ward.zone):
        context = {
            "ward": ward,
            "now": now,
            "entries": handover_entries(ward=ward, now=now),
            "look_ahead_hours": int(LOOK_AHEAD.total_seconds() // 3600),
            "note_form": HandoverNoteForm(),
            "w": sheet_words(),
        }
        return render(request, "ward/handover.html", context)


def sheet_words() -> dict[str, str]:
    """The words placed in every patient's block, translated once per page rather than once per patient."""
    hours = int(LOOK_AHEAD.total_seconds() // 3600)
    return {
        "cement": _("Cement"),
        "standing": _("Standing"),
        "pain": _("Pain"),
        "above_baseline": _("above the baseline"),
        "last_observations": _("Last observations"),
        "outside_limits": _("outside the ward's limits"),
        "legs_changed": _("legs changed"),
        "none_yet": _("none yet"),
        "red_flags": _("Red flags"),
        "open": _("Open:"),
        "nothing": _("Nothing."),
        "handover_notes": _("Handover notes"),
        "due_next": _("Due in the next %(look_ahead_hours)s hours") % {"look_ahead_hours": hours},
        "overdue": _("Overdue"),
        "due_now": _("Due now"),
        "planned": _("Planned"),
        "note_label": _("Handover note"),
        "add_note": _("Add the note"),
    }


@login_required
@require_POST
def add_handover_note(request: HttpRequest, pk: int) -> HttpResponse:
    patient = get_object_or_404(Patient.objects.visible_to(request.user), pk=pk)
    form = HandoverNoteForm(request.POST)
    if form.is_valid():
        HandoverNote.objects.create(patient=patient, author=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Handover note added for %(name)s.") % {"name": patient.family_name.upper()})
    else:
        messages.error(request, _("Handover note not added: %(why)s") % {"why": " ".join(form.errors["text"])})
    fallback = reverse("ward:patient", args=[patient.pk])
    return redirect(next_url(request) if request.POST.get("next") else fallback)
