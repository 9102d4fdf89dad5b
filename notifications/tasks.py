"""Celery tasks: thin, taking ids. Beat runs `dispatch` and `escalate`; workers run `deliver`."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.escalation import escalate_due
from notifications.models import Heartbeat


@shared_task(name="notifications.dispatch", ignore_result=True)
def dispatch() -> int:
    now = timezone.now()
    claimed = claim_due(now)
    Heartbeat.beat("dispatch", now)
    for reminder_id, token in claimed:
        deliver_reminder.delay(reminder_id, token)
    return len(claimed)


@shared_task(name="notifications.deliver", ignore_result=True)
def deliver_reminder(reminder_id: int, token: str) -> str:
    return deliver(reminder_id, token)


@shared_task(name="notifications.escalate", ignore_result=True)
def escalate() -> int:
    escalated = escalate_due()
    if escalated:
        # Escalation reminders are due now: hand them to workers without waiting for the next pass.
        transaction.on_commit(dispatch.delay)
    return escalated
