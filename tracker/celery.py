"""The Celery app. Configuration comes from Django settings (CELERY_*); tasks from each app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker", amqp="tracker.broker:AMQP")  # reconnects after a Redis restart: see broker.py
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
