"""The Celery app. Configuration comes from Django settings (CELERY_*); tasks from each app's tasks.py."""

import os

from celery import Celery, signals
from django.db import close_old_connections
from django.db.backends.signals import connection_created

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker", amqp="tracker.broker:AMQP")  # reconnects after a Redis restart: see broker.py
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


@signals.task_prerun.connect
def close_broken_or_old_connections(sender=None, **kwargs) -> None:
    """Reuse the database connection between tasks (CELERY_DB_REUSE_MAX), but never a broken or old one.

    A new connection per task cost ~5-20 ms, more than a short delivery task itself; Django's own
    check closes one that failed (a restarted database) or is older than CONN_MAX_AGE.
    """
    if not getattr(sender.request, "is_eager", False):  # run in place (tests): the caller's connection
        close_old_connections()


@signals.worker_process_init.connect
def commit_without_waiting_for_the_disk(**kwargs) -> None:
    connection_created.connect(asynchronous_commit)


def asynchronous_commit(sender, connection, **kwargs) -> None:
    """A worker's commits do not wait for the disk (synchronous_commit off, this session only).

    Delivery commits twice per message sent (it is taken, then settled): waiting for the WAL's fsync
    each time cost ~7 ms a commit on the development machine, three quarters of the throughput.
    Nothing is inconsistent after a crash of PostgreSQL itself; the last ~0.6 s of commits may be
    lost, so a message settled in them is sent again after its lease (same key, same Message-ID).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
