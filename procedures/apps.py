from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "procedures"
    verbose_name = "Procedures and timelines"

    def ready(self) -> None:
        from procedures import transfers  # noqa: F401  (connects the hooks that follow a change of ward)
