"""The Celery app. Configuration comes from Django settings (CELERY_*); tasks from each app's tasks.py."""

import os

from celery import Celery
from celery.signals import task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def close_broken_or_old_connections(**kwargs) -> None:
    """Reuse the database connection between tasks (CELERY_DB_REUSE_MAX), but never a broken or old one.

    A new connection per task cost ~5-20 ms, more than a short delivery task itself; Django's own
    check closes one that failed (a restarted database) or is older than CONN_MAX_AGE.
    """
    close_old_connections()
