import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.utils import timezone

from notifications.models import OnCall, PatientLink, Reminder
from tracker.local_time import stamp


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "channel", "due_at", "status", "attempts", "sent_at", "acknowledged_at"]
    list_filter = ["status", "kind", "channel", "ward"]
    search_fields = ["key", "procedure__patient__mrn", "procedure__patient__family_name"]
    list_select_related = ["ward"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False


class WardClockField(forms.SplitDateTimeField):
    """A date and a time as the ward's clocks show them; OnCallForm puts them in the ward's zone
    (which the form only knows once the ward field is read), whatever the admin user's zone."""

    def compress(self, data_list):
        if not data_list:
            return None
        return dt.datetime.combine(*data_list)


def in_zone(local: dt.datetime, zone) -> dt.datetime:
    """The ward's wall-clock time as an aware time; a time the clocks skip (spring forward) is refused."""
    aware = local.replace(tzinfo=zone)
    if aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != local:
        raise ValidationError(
            "%(time)s does not exist in %(zone)s: the clocks go forward that night.",
            code="skipped_time",
            params={"time": f"{local:%Y-%m-%d %H:%M}", "zone": zone.key},
        )
    return aware


class OnCallForm(forms.ModelForm):
    starts_at = WardClockField(widget=AdminSplitDateTime, label="Starts", help_text="In the ward's time zone.")
    ends_at = WardClockField(widget=AdminSplitDateTime, label="Ends", help_text="In the ward's time zone.")

    class Meta:
        model = OnCall
        fields = ["ward", "doctor", "starts_at", "ends_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doctor"].queryset = self.fields["doctor"].queryset.filter(is_active=True)
        if self.instance.pk:  # show the ward's wall-clock times, not the server's
            zone = self.instance.ward.zone
            for name in ("starts_at", "ends_at"):
                self.initial[name] = getattr(self.instance, name).astimezone(zone).replace(tzinfo=None)

    def clean(self):
        cleaned = super().clean()
        ward = cleaned.get("ward")
        for name in ("starts_at", "ends_at"):
            if ward and cleaned.get(name):
                try:
                    cleaned[name] = in_zone(cleaned[name], ward.zone)
                except ValidationError as refused:
                    self.add_error(name, refused)
        return cleaned


@admin.register(OnCall)
class OnCallAdmin(admin.ModelAdmin):
    """The rota of doctors on call: only doctors, times in the ward's zone, overlaps pointed out."""

    form = OnCallForm
    list_display = ["ward", "doctor", "starts", "ends"]
    list_filter = ["ward", "doctor"]
    list_select_related = ["ward", "doctor"]

    @admin.display(description="starts (ward's time)", ordering="starts_at")
    def starts(self, shift: OnCall) -> str:
        return ward_clock(shift.starts_at, shift.ward)

    @admin.display(description="ends (ward's time)", ordering="ends_at")
    def ends(self, shift: OnCall) -> str:
        return ward_clock(shift.ends_at, shift.ward)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Two doctors at once is allowed (a handover, a second opinion): both are called. Said, not refused.
        for other in obj.overlapping():
            messages.warning(
                request,
                f"This shift overlaps {other.doctor} ({ward_clock(other.starts_at, obj.ward)} to "
                f"{ward_clock(other.ends_at, obj.ward)}): escalations in that time go to both doctors.",
            )


def ward_clock(moment: dt.datetime, ward) -> str:
    return stamp(moment, ward.zone)


@admin.register(PatientLink)
class PatientLinkAdmin(admin.ModelAdmin):
    """Every link issued to a patient's page; one can be revoked on its own (a phone lost, a wrong number)."""

    list_display = ["patient", "issued_at", "expires_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient"]
    fields = readonly_fields = ["patient", "issued_at", "expires_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected links")
    def revoke(self, request, queryset):
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {revoked} links.")
