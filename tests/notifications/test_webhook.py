"""The webhook channel: signed JSON POSTs to a real HTTP server standing in for an interface engine."""

import datetime as dt
import hashlib
import hmac
import json

import pytest
import time_machine
from rest_framework.test import APIClient

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.models import Reminder
from procedures.recording import report_complication
from procedures.timeline import record_event
from tests.notifications.http_peers import WebhookReceiver

INJECTED = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)
HARDENED = INJECTED + dt.timedelta(minutes=10)
SECRET = "interface-engine-shared-secret"


@pytest.fixture
def engine(settings):
    with WebhookReceiver() as server:
        settings.WEBHOOK_URL, settings.WEBHOOK_SECRET = f"{server.url}/tracker-events", SECRET
        settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
            "webhook": "notifications.channels.webhook.WebhookTransport"
        }
        yield server


@pytest.fixture
def injected(engine, procedure, nurse_a):
    with time_machine.travel(INJECTED, tick=False):
        record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)
    return procedure


def deliver_due(at: dt.datetime, channel: str = "webhook") -> dict[str, str]:
    """Run one dispatch pass at `at` and deliver what it claimed on `channel`; return key -> outcome."""
    with time_machine.travel(at, tick=False):
        claimed = dict(claim_due(at))
        reminders = Reminder.objects.filter(pk__in=claimed, channel=channel)
        return {r.key: deliver(r.pk, claimed[r.pk], now=at) for r in reminders}


def verified(request: dict, now: dt.datetime = HARDENED) -> dict:
    """What a receiver does (docs/api.md, "Webhooks"): check the signature and the timestamp, then read."""
    headers, body = request["headers"], request["body"]
    timestamp = headers["X-Tracker-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Tracker-Signature"], f"sha256={expected}")
    assert abs(now.timestamp() - int(timestamp)) < 300
    return json.loads(body)


def test_a_staff_reminder_is_posted_signed_with_its_key_and_no_name(injected, engine, patient):
    outcome = deliver_due(HARDENED)

    key = f"m{injected.milestones.get(step__code='cement_hardened').pk}:interface:webhook"
    assert outcome == {key: "sent"}
    (request,) = engine.received
    event = verified(request)
    assert (event["key"], request["headers"]["X-Tracker-Key"]) == (key, key)
    assert event["kind"] == "milestone" and event["milestone"]["code"] == "cement_hardened"
    assert event["patient"] == {"mrn": patient.mrn} and event["bed"] == "12" and event["procedure"] == injected.pk
    assert event["due_at"] == HARDENED.isoformat()
    flat = request["body"].decode()
    assert patient.given_name not in flat and patient.family_name not in flat and "L1" not in flat


def test_a_tampered_body_does_not_verify(injected, engine):
    deliver_due(HARDENED)
    (request,) = engine.received

    with pytest.raises(AssertionError):
        verified(request | {"body": request["body"].replace(b"cement_hardened", b"may_stand")})


def test_the_board_and_the_alerts_list_do_not_show_the_copies(injected, engine, nurse_a):
    deliver_due(HARDENED, channel="inapp")
    deliver_due(HARDENED)

    attention = list(Reminder.objects.needing_attention())
    assert [r.channel for r in attention] == ["inapp"]


def test_an_engine_that_is_down_gets_the_same_key_again_later(injected, engine):
    engine.fail_next(503)

    (first,) = deliver_due(HARDENED).values()
    retry_at = Reminder.objects.get(channel="webhook", milestone__step__code="cement_hardened").due_at
    (second,) = deliver_due(retry_at).values()

    assert (first, second) == ("retry", "sent")
    keys = [verified(request, retry_at)["key"] for request in engine.received]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_an_engine_that_refuses_the_message_fails_it_at_once_and_the_ward_is_told(injected, engine):
    engine.fail_next(422, {"error": "unknown ward"})

    assert list(deliver_due(HARDENED).values()) == ["failed"]
    failed = Reminder.objects.get(channel="webhook", status="failed")
    assert "422" in failed.last_error and "unknown ward" in failed.last_error
    assert Reminder.objects.filter(kind="failure", key=f"failure:{failed.pk}", recipient_role="charge_nurse").exists()


def test_a_red_flag_goes_to_the_engine_too_and_is_listed_once(injected, engine, nurse_a):
    noticed = INJECTED + dt.timedelta(hours=1)
    with time_machine.travel(noticed, tick=False):
        report_complication(procedure=injected, kind="cement_leakage", severity="severe", noted_at=noticed, by=nurse_a)

    outcome = deliver_due(noticed)

    alert = Reminder.objects.get(kind="alert", channel="webhook")
    assert outcome[alert.key] == "sent" and alert.key.startswith("alert:procedures.complication:")
    (event,) = [e for e in (verified(r, noticed) for r in engine.received) if e["kind"] == "alert"]
    assert (event["kind"], event["red_flag"], event["urgent"]) == ("alert", "cement_leakage", True)
    client = APIClient()
    client.force_authenticate(nurse_a)
    with time_machine.travel(noticed, tick=False):
        alerts = client.get("/api/alerts/").json()["results"]
    assert [a["id"] for a in alerts] == [Reminder.objects.get(kind="alert", channel="inapp").pk]
