from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Reminders and alerts"

    def ready(self) -> None:
        from notifications import checks, receivers  # noqa: F401  (registers the checks; connects to signals)
