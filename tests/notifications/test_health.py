import datetime as dt
import uuid

import pytest
import time_machine
from django.utils import timezone

from notifications.dispatch import begin_send, claim_due, record_claims, settle_retry
from notifications.models import Heartbeat, Reminder
from procedures.timeline import record_event
from tests.factories import make_reminder

SEC = dt.timedelta(seconds=1)


@pytest.fixture
def fresh_beat(db):
    Heartbeat.beat("dispatch", timezone.now())


def test_healthy_when_beat_runs_and_nothing_is_late(client, fresh_beat, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() | {"dispatch_age_seconds": 0} == {
        "status": "ok", "database": True, "broker": True, "beat": True, "dispatch_age_seconds": 0,
        "oldest_due_seconds": 0, "reminders_on_time": True,
        "oldest_waiting_seconds": 0, "most_claims": 0, "failing_channels": [], "failing": [],
    }  # fmt: skip


def test_a_stuck_dispatcher_shows_up(client, procedure, nurse_a):
    Heartbeat.beat("dispatch", timezone.now() - dt.timedelta(minutes=5))
    record_event(procedure=procedure, kind="cement_injected", at=timezone.now() - dt.timedelta(minutes=20), by=nurse_a)

    body = client.get("/healthz")

    assert body.status_code == 503
    assert (body.json()["beat"], body.json()["reminders_on_time"]) == (False, False)
    assert body.json()["oldest_due_seconds"] >= 600  # cement_hardened was due 10 minutes ago
    assert body.json()["failing"] == ["dispatch"]  # late because nothing claims them: not the workers' fault
    assert Reminder.objects.filter(status="scheduled").exists()


def test_a_dispatch_loop_silent_for_a_few_seconds_is_unhealthy_without_a_grace_period(client, db):
    Heartbeat.beat("dispatch", timezone.now() - 6 * SEC)

    body = client.get("/healthz")

    assert (body.status_code, body.json()["beat"], body.json()["failing"]) == (503, False, ["dispatch"])


def test_an_unreachable_broker_is_unhealthy(client, fresh_beat, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get("/healthz")

    assert (response.status_code, response.json()["broker"], response.json()["failing"]) == (503, False, ["broker"])


def test_a_reminder_retrying_past_its_first_due_time_is_late_though_its_next_try_is_ahead(
    client, fresh_beat, procedure
):
    first_due = timezone.now() - 70 * SEC
    reminder = make_reminder(procedure, "health:1", channel="sms", due_at=first_due)
    ((pk, token),) = claim_due(timezone.now())
    record_claims([(pk, token)])
    begin_send(pk, token=token, sender=str(uuid.uuid4()))  # the send is tried (and counted)...
    reminder.refresh_from_db()
    settle_retry(reminder, token=token, now=timezone.now(), error="503 from the provider")  # ...and fails

    response = client.get("/healthz")

    reminder.refresh_from_db()
    assert (reminder.status, reminder.first_due_at, reminder.claims) == ("scheduled", first_due, 1)
    assert reminder.due_at > timezone.now()
    assert response.status_code == 503
    body = response.json()
    assert body["oldest_due_seconds"] == 0  # what the old check saw: nothing due, all fine
    assert body["oldest_waiting_seconds"] >= 70 and body["reminders_on_time"] is False
    assert (body["failing"], body["failing_channels"]) == (["channel"], ["sms"])
    assert "health:1" not in response.content.decode() and str(procedure.patient.mrn) not in response.content.decode()


def test_a_reminder_claimed_again_and_again_is_unhealthy_before_it_is_late(client, fresh_beat, procedure, settings):
    reminder = make_reminder(procedure, "health:1", channel="sms", due_at=timezone.now() - 2 * SEC)
    Reminder.objects.filter(pk=reminder.pk).update(status="sending", claims=settings.HEALTH_MAX_CLAIMS + 1,
                                                   first_due_at=reminder.due_at)  # fmt: skip

    response = client.get("/healthz")

    assert response.status_code == 503
    assert (response.json()["most_claims"], response.json()["failing"]) == (
        settings.HEALTH_MAX_CLAIMS + 1,
        ["delivery"],
    )


def test_late_reminders_with_dispatch_running_and_no_failing_channel_blame_the_delivery_workers(
    client, fresh_beat, procedure
):
    make_reminder(procedure, "health:1", channel="inapp", due_at=timezone.now() - 90 * SEC)

    body = client.get("/healthz").json()

    assert (body["status"], body["failing"], body["oldest_waiting_seconds"] >= 90) == ("unhealthy", ["delivery"], True)


@pytest.mark.parametrize("skew", [-20 * SEC, 20 * SEC], ids=["behind", "ahead"])
def test_the_dispatch_heartbeat_is_on_the_database_clock_that_healthz_reads_whatever_the_hosts_clock(client, db, skew):
    from notifications.tasks import dispatch_pass

    with time_machine.travel(timezone.now() + skew, tick=False):  # the dispatch worker's host clock is off
        dispatch_pass()

    body = client.get("/healthz").json()

    assert (body["beat"], body["failing"]) == (True, [])
    assert 0 <= body["dispatch_age_seconds"] < 5
