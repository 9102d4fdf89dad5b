from django.contrib import admin

from notifications.models import OnCall, Reminder


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
