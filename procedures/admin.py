"""Admin for ward managers. Events and milestones are read-only here: they change only through
procedures.timeline (the ward board and the API), which keeps the derived timeline consistent."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from procedures.admin_forms import ObservationLimitForm, ProtocolStepForm
from procedures.durations import duration_text
from procedures.languages import other_languages
from procedures.models import (
    AccessLog,
    Complication,
    Event,
    Milestone,
    ObservationCheck,
    ObservationLimit,
    PainScore,
    Patient,
    Procedure,
    Protocol,
    ProtocolStep,
    Questionnaire,
    QuestionnaireItem,
    Staff,
    Ward,
)
from procedures.times import scheduled_time
from tracker.api.access_log import log_access


class HistoryAdmin(SimpleHistoryAdmin):
    """django-simple-history's admin, whose history page answers 404 (not 500) for an id that is not one."""

    def history_view(self, request, object_id, extra_context=None):
        try:
            self.model._meta.pk.to_python(unquote(object_id))
        except ValidationError:
            raise Http404(f"No {self.model._meta.verbose_name} with this id.") from None
        return super().history_view(request, object_id, extra_context)


@admin.register(Ward)
class WardAdmin(HistoryAdmin):
    list_display = ["name", "timezone", "language", "phone", "quiet_hours_start", "quiet_hours_end"]
    search_fields = ["name"]


@admin.register(Staff)
class StaffAdmin(UserAdmin, HistoryAdmin):
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    list_filter = ["role", "wards", "is_active"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("Ward work", {"fields": ["role", "wards", "phone"]}),
    ]
    add_fieldsets = [
        *UserAdmin.add_fieldsets,
        ("Ward work", {"fields": ["role", "wards", "email", "phone"]}),
    ]
    filter_horizontal = ["wards", "groups", "user_permissions"]


@admin.register(Patient)
class PatientAdmin(HistoryAdmin):
    """Every page here that shows or changes a patient's record is in the access log."""

    list_display = ["mrn", "family_name", "given_name", "ward", "bed", "language", "messaging_consent"]
    list_filter = ["ward", "language", "messaging_consent"]
    search_fields = ["mrn", "family_name", "given_name"]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            log_access(request, action="read", what="patient", patients=list(changelist.result_list))
        return response

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        if object_id is not None and response.status_code == 200:  # the form shown (a save redirects)
            log_access(request, action="read", what="patient", patients=[object_id], object_id=object_id)
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        log_access(request, action="update" if change else "create", what="patient", patients=[obj], object_id=obj.pk)

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            log_access(request, action="read", what="patient history", patients=[object_id], object_id=object_id)
        return response

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        response = super().history_form_view(request, object_id, version_id, extra_context)
        if response.status_code == 200:
            log_access(request, action="read", what="patient history", patients=[object_id], object_id=object_id)
        return response


def translated(*json_fields: str) -> list[str]:
    """The admin form fields of the other languages: "labels_fr", …"""
    return [f"{json_field}_{code}" for json_field in json_fields for code, _language in other_languages()]


class ProtocolStepInline(admin.TabularInline):
    """A draft's steps are edited here, timings written "12 h" or "1 month" and labels in every
    language; a published version's are shown read-only in the same words."""

    model = ProtocolStep
    form = ProtocolStepForm
    extra = 0
    fields = [
        "order",
        "code",
        "label",
        *translated("labels"),
        "anchor",
        "offset",
        "at_local_time",
        "window_opens_before",
        "overdue_after",
        "acknowledge_within",
        "audience",
        "action",
        *translated("actions"),
        "records",
        "message_key",
    ]
    # How a published (read-only) version shows what a draft's form fields edit.
    shown = {
        "offset": "when",
        "window_opens_before": "window",
        "overdue_after": "overdue_margin",
        "acknowledge_within": "acknowledge_in",
        **{name: "labels" for name in translated("labels")},
        **{name: "actions" for name in translated("actions")},
    }
    readonly_fields = ["when", "window", "overdue_margin", "acknowledge_in", "labels", "actions"]

    def get_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return list(dict.fromkeys(self.shown.get(name, name) for name in self.fields))
        return self.fields

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    has_add_permission = has_delete_permission = has_change_permission

    @admin.display(description="offset")
    def when(self, step) -> str:
        return duration_text(step.offset, step.offset_months)

    @admin.display(description="window opens before")
    def window(self, step) -> str:
        return duration_text(step.window_opens_before)

    @admin.display(description="overdue after")
    def overdue_margin(self, step) -> str:
        return duration_text(step.overdue_after)

    @admin.display(description="acknowledge within")
    def acknowledge_in(self, step) -> str:
        return duration_text(step.acknowledge_within)


class ObservationLimitInline(ProtocolStepInline):
    model = ObservationLimit
    form = ObservationLimitForm
    fields = ["measure", "alert_below", "alert_at_or_above", *translated("labels")]
    shown = {name: "labels" for name in translated("labels")}
    readonly_fields = ["labels"]


class VersionedAdmin(HistoryAdmin):
    """A versioned definition (a protocol, a questionnaire): a draft is edited, then published, then
    changed only as a new version; a published version is never deleted (what was planned or answered
    with it must keep its meaning)."""

    list_filter = ["code"]
    actions = ["publish", "new_version"]
    frozen: list[str] = []  # the fields read-only once published

    def get_readonly_fields(self, request, obj=None):
        return self.frozen if obj and obj.is_published else []

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.is_published)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset.filter(published_at__isnull=True))

    @admin.action(description="Publish the selected draft versions")
    def publish(self, request, queryset):
        for definition in queryset:
            definition.publish()
        messages.success(request, "Published. Published versions can no longer be changed.")

    @admin.action(description="Make a new draft version from the selected ones")
    def new_version(self, request, queryset):
        for definition in queryset:
            messages.success(request, f"Created draft {definition.new_draft()}.")


@admin.register(Protocol)
class ProtocolAdmin(VersionedAdmin):
    list_display = ["code", "version", "name", "published_at"]
    inlines = [ProtocolStepInline, ObservationLimitInline]
    frozen = ["code", "version", "name", "description", "pain_review_after_days", "published_at"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    model = Event
    fields = readonly_fields = ["kind", "at", "recorded_by", "recorded_at"]


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = readonly_fields = [
        "step",
        "window_opens_at",
        "due_at",
        "overdue_at",
        "completed_at",
        "completed_by",
        "note",
    ]


class ProcedureForm(forms.ModelForm):
    def clean_scheduled_at(self):
        """A new planned time must be within two years of today (procedures.times), like in the API."""
        moment = self.cleaned_data["scheduled_at"]
        if moment is None or "scheduled_at" not in self.changed_data:
            return moment
        return scheduled_time(moment, now=timezone.now())


@admin.register(Procedure)
class ProcedureAdmin(HistoryAdmin):
    form = ProcedureForm
    list_display = ["patient", "kind", "levels", "status", "scheduled_at", "protocol"]
    list_filter = ["status", "kind", "indication", "patient__ward"]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    list_select_related = ["patient", "protocol"]
    autocomplete_fields = ["patient"]

    def get_readonly_fields(self, request, obj=None):
        # A procedure keeps the protocol version it was scheduled with.
        return ["status", "protocol"] if obj else ["status"]

    inlines = [EventInline, MilestoneInline]


class ReadOnlyRecordAdmin(HistoryAdmin):
    """A procedure's clinical record (events, milestones, pain scores, checks, complications): shown and
    searched, never added or changed here. Each is written by its service (procedures.timeline,
    procedures.recording), which checks it and derives what follows; an edit here would skip both."""

    search_fields = ["procedure__patient__mrn", "procedure__patient__family_name"]
    list_select_related = ["procedure__patient", "recorded_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(ReadOnlyRecordAdmin):
    list_display = ["procedure", "kind", "at", "recorded_by"]
    list_filter = ["kind", "procedure__patient__ward"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyRecordAdmin):
    list_display = ["procedure", "step", "due_at", "completed_at", "cancelled_at"]
    list_filter = ["step__code", "procedure__patient__ward"]
    list_select_related = ["procedure__patient", "step"]


@admin.register(PainScore)
class PainScoreAdmin(ReadOnlyRecordAdmin):
    list_display = ["procedure", "score", "source", "recorded_at", "recorded_by"]
    list_filter = ["source", "procedure__patient__ward"]


@admin.register(ObservationCheck)
class ObservationCheckAdmin(ReadOnlyRecordAdmin):
    list_display = ["procedure", "recorded_at", "systolic_bp", "pulse", "spo2", "temperature", "recorded_by"]
    list_filter = ["leg_strength", "leg_sensation", "puncture_site", "procedure__patient__ward"]


@admin.register(Complication)
class ComplicationAdmin(ReadOnlyRecordAdmin):
    list_display = ["procedure", "kind", "severity", "noted_at", "reported_by"]
    list_filter = ["kind", "severity", "procedure__patient__ward"]
    list_select_related = ["procedure__patient", "reported_by"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """For the privacy officer: who read or changed which patient's record, and when."""

    list_display = ["at", "user", "action", "what", "patient", "ward", "object_id", "method", "path"]
    list_filter = ["action", "what", ("patient", admin.RelatedOnlyFieldListFilter), "ward"]
    search_fields = ["patient__mrn", "patient__family_name", "user__username"]
    date_hierarchy = "at"
    list_select_related = ["user", "patient", "ward"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class QuestionnaireItemInline(admin.StackedInline):
    model = QuestionnaireItem
    extra = 0
    fields = [
        ("order", "link_id", "type", "required"),
        "text",
        "texts",
        ("min_value", "max_value"),
        "options",
        ("flag_above_baseline", "flag_if_yes", "flag_words"),
        "flag_options",
    ]

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_published

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Questionnaire)
class QuestionnaireAdmin(VersionedAdmin):
    list_display = ["code", "version", "title", "published_at"]
    inlines = [QuestionnaireItemInline]
    frozen = ["code", "version", "title", "titles", "published_at"]
