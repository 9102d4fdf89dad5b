from django.apps import AppConfig
from django.db.backends.signals import connection_created


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = "Outcomes"

    def ready(self) -> None:
        from outcomes import summary
        from outcomes.sql import register_sqlite_functions

        summary.connect()

        connection_created.connect(register_sqlite_functions, dispatch_uid="outcomes-sqlite-functions")
