from django.apps import AppConfig


class WardConfig(AppConfig):
    """The ward board: the pages nurses run a shift from.

    Its own app because it sits on top of both `procedures` and `notifications` (it shows and
    acknowledges reminders), while `procedures` must never import `notifications`.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "ward"
    verbose_name = "Ward board"

    def ready(self) -> None:
        from ward.board_cache import connect_signals

        connect_signals()
