"""The baseline design the outbox is measured against: one Celery task with an ETA per reminder.

Workers load this module with `-I benchmarks.baseline`. The task reads its reminder and records
its arrival exactly as the recording transport does, so both designs are timed the same way.
"""

import json
import time

from celery import shared_task

from notifications.models import Reminder
from tests.notifications.recording import ARRIVALS, recorder


@shared_task(name="benchmarks.baseline.deliver_at_eta", ignore_result=True)
def deliver_at_eta(reminder_id: int) -> None:
    reminder = Reminder.objects.only("key", "due_at").get(pk=reminder_id)
    arrival = {"id": reminder.pk, "key": reminder.key, "at": time.time(), "due": reminder.due_at.timestamp()}
    recorder().rpush(ARRIVALS, json.dumps(arrival))
