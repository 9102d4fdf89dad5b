import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Heartbeat, Reminder
from procedures.timeline import record_event


@pytest.fixture
def fresh_beat(db):
    Heartbeat.beat("dispatch", timezone.now())


def test_healthy_when_beat_runs_and_nothing_is_late(client, fresh_beat):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() | {"dispatch_age_seconds": 0} == {
        "status": "ok", "database": True, "broker": True, "beat": True, "dispatch_age_seconds": 0,
        "oldest_due_seconds": 0, "reminders_on_time": True,
    }  # fmt: skip


def test_a_stuck_dispatcher_shows_up(client, procedure, nurse_a):
    Heartbeat.beat("dispatch", timezone.now() - dt.timedelta(minutes=5))
    record_event(procedure=procedure, kind="cement_injected", at=timezone.now() - dt.timedelta(minutes=20), by=nurse_a)

    body = client.get("/healthz")

    assert body.status_code == 503
    assert (body.json()["beat"], body.json()["reminders_on_time"]) == (False, False)
    assert body.json()["oldest_due_seconds"] >= 600  # cement_hardened was due 10 minutes ago
    assert Reminder.objects.filter(status="scheduled").exists()


def test_an_unreachable_broker_is_unhealthy(client, fresh_beat, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert (response.status_code, response.json()["broker"]) == (503, False)
