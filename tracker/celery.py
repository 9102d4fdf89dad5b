"""The Celery app. Configuration comes from Django settings (CELERY_*); tasks from each app's tasks.py."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_process_init.connect
def leave_stopping_to_the_main_process(**_kwargs) -> None:
    """Put each pool process in a process group of its own.

    Process managers (honcho in `make run`, most supervisors) stop a worker by sending SIGTERM to its
    whole process group: pool processes then die in the middle of a delivery (a WorkerLostError
    traceback, and a reminder that waits for its lease to run out). Alone in its group, a pool
    process is stopped by the main process's warm shutdown, once the task in hand is done; it still
    dies at once with the main process (Celery sets its parent-death signal to SIGKILL).
    """
    os.setpgid(0, 0)


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
