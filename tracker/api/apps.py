from django.apps import AppConfig


class ApiConfig(AppConfig):
    """tracker.api is an app for the one model the API's conventions need: the replies kept for retries."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "tracker.api"
    label = "api"
    verbose_name = "API"
