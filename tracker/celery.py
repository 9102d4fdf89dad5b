"""The Celery app. Configuration comes from Django settings (CELERY_*); tasks from each app's tasks.py."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def refuse_incomplete_configuration(**kwargs) -> None:
    """The start-up checks (tracker.startup), which `celery worker` does not run. (Beat sends nothing.)

    SystemExit, not the checks' exception: Celery logs and ignores a signal handler's exceptions.
    """
    import django
    from django.core.exceptions import ImproperlyConfigured

    django.setup()
    from tracker.startup import refuse_incomplete_configuration

    try:
        refuse_incomplete_configuration()
    except ImproperlyConfigured as error:
        raise SystemExit(f"ImproperlyConfigured: {error}") from None
