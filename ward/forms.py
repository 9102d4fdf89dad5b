"""Forms of the ward pages. They read input only; the rules live in procedures.timeline."""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext_lazy as _

from procedures.models import Complication, EventKind, ObservationCheck
from procedures.times import clinical_time
from tracker.local_time import in_zone

# What a browser's datetime-local field sends; read in the current (the ward's) time zone.
LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalTimeHiddenInput(forms.DateTimeInput):
    """A time sent back unseen (the one first offered), written as the visible field writes it."""

    input_type = "hidden"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=LOCAL_INPUT)


class ClinicalTimeField(forms.DateTimeField):
    """A ward-time input that must be a time something can have happened (procedures.times.clinical_time)."""

    hidden_widget = LocalTimeHiddenInput

    def clean(self, value):
        moment = super().clean(value)
        if moment is None:
            return None
        return clinical_time(moment, now=timezone.now(), zone=timezone.get_current_timezone())

    def prepare_value(self, value):
        # A time stored before the rules (year 1) may not fit the ward's calendar: show it in UTC to correct it.
        if isinstance(value, dt.datetime) and timezone.is_aware(value):
            return in_zone(value, timezone.get_current_timezone()).replace(tzinfo=None)
        return super().prepare_value(value)


class RecordEventForm(forms.Form):
    NOW, AT = "now", "at"

    kind = forms.ChoiceField(label=_("What happened"), choices=EventKind.choices)
    when = forms.ChoiceField(
        label=_("When"),
        choices=[(NOW, _("Now")), (AT, _("At the time below"))],
        initial=NOW,
        widget=forms.RadioSelect,
    )
    at = ClinicalTimeField(
        label=_("Time (ward time)"),
        required=False,
        input_formats=[LOCAL_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        help_text=_("Used when “At the time below” is chosen."),
        show_hidden_initial=True,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == self.AT and not cleaned.get("at") and "at" not in self.errors:
            self.add_error("at", _("Give the time, or choose “Now”."))
        if cleaned.get("when") == self.NOW and cleaned.get("at") and "at" in self.changed_data:
            # A time typed must never be silently replaced by "now" (a may-stand time too early).
            self.add_error("when", _("A time was typed below: choose “At the time below” to record it."))
        return cleaned

    def moment(self, now: dt.datetime) -> dt.datetime:
        return self.cleaned_data["at"] if self.cleaned_data["when"] == self.AT else now


class CompleteMilestoneForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what you saw or did."),
    )


class ObservationForm(forms.ModelForm):
    """The observation check that completes an obs, may-stand or discharge milestone."""

    pain = forms.IntegerField(label=_("Pain (0–10)"), min_value=0, max_value=10, required=False)
    note = CompleteMilestoneForm.base_fields["note"]

    class Meta:
        model = ObservationCheck
        fields = [
            "systolic_bp", "diastolic_bp", "pulse", "spo2", "temperature", "leg_strength", "leg_sensation",
            "puncture_site", "bladder",
        ]  # fmt: skip

    def __init__(self, *args, previous: ObservationCheck | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if previous is not None:
            show_previous(self, previous)

    def values(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("note", "recorded_at") and v is not None}


def show_previous(form: forms.Form, previous: ObservationCheck) -> None:
    """Write the last check's value under each field: "As before" means as in that check."""
    for name, field in form.fields.items():
        if name in ObservationForm.Meta.fields:
            value = getattr(previous, f"get_{name}_display", lambda n=name: getattr(previous, n))()
            # Localised: a French nurse reads 38,6 as on the rest of the page, not 38.6.
            field.help_text = _("Previous check: %(value)s") % {"value": localize(value)}
        elif name == "pain" and previous.pain_id:
            field.help_text = _("Previous check: %(value)s") % {"value": f"{previous.pain.score}/10"}


def time_taken_field(label) -> forms.DateTimeField:
    """A time in the ward's zone, now by default; a time ahead of now is refused by procedures."""
    return forms.DateTimeField(
        label=label,
        input_formats=[LOCAL_INPUT],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT),
        help_text=_("Ward time. Now unless you are writing down an earlier check."),
    )


class RecordObservationForm(ObservationForm):
    """A set of observations taken outside any milestone, with the time it was taken."""

    recorded_at = time_taken_field(_("Time taken"))
    note = None

    field_order = ["recorded_at"]


class PainScoreForm(forms.Form):
    score = forms.IntegerField(label=_("Pain (0–10)"), min_value=0, max_value=10)
    recorded_at = time_taken_field(_("Time taken"))


class ComplicationForm(forms.ModelForm):
    noted_at = time_taken_field(_("Noticed at"))

    class Meta:
        model = Complication
        fields = ["kind", "severity", "noted_at", "description", "actions_taken"]
        labels = {
            "kind": _("What"),
            "severity": _("Severity"),
            "description": _("What you saw"),
            "actions_taken": _("What was done"),
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "actions_taken": forms.Textarea(attrs={"rows": 3})}


def add_domain_error(form: forms.Form, error: ValidationError) -> None:
    """Show a refusal from procedures.timeline on the field it names, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class HandoverNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Handover note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For the next shift: what to watch, what was done, what is pending."),
    )
