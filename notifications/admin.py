from django.contrib import admin
from django.utils import timezone

from notifications.models import OnCall, PatientLink, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "channel", "due_at", "status", "attempts", "sent_at", "acknowledged_at"]
    list_filter = ["status", "kind", "channel", "ward"]
    search_fields = ["key", "procedure__patient__mrn", "procedure__patient__family_name"]
    list_select_related = ["ward"]
    readonly_fields = [f.name for f in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(OnCall)
class OnCallAdmin(admin.ModelAdmin):
    list_display = ["ward", "doctor", "starts_at", "ends_at"]
    list_filter = ["ward"]


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
