"""Red flags become urgent alerts that climb the ward's chain until someone acknowledges them."""

import datetime as dt
from decimal import Decimal

import pytest

from notifications.content import content_for
from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.escalation import escalate_due
from notifications.models import OnCall, Reminder
from procedures.models import Staff
from procedures.timeline import record_event
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")

MIN = dt.timedelta(minutes=1)
NORMAL = {
    "recorded_at": "2026-02-10T12:59:00+01:00", "systolic_bp": 130, "diastolic_bp": 80, "pulse": 72, "spo2": 97,
    "temperature": "36.8", "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "clean",
}  # fmt: skip


@pytest.fixture
def recovering(procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 3 * 60 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - 170 * MIN, by=nurse_a)
    return procedure


@pytest.fixture
def chain(ward_a):
    carol = Staff.objects.create_user("carol", email="carol@example.org", role=Staff.Role.CHARGE_NURSE)
    carol.wards.add(ward_a)
    dave = Staff.objects.create_user("dave", email="dave@example.org", role=Staff.Role.DOCTOR)
    OnCall.objects.create(ward=ward_a, doctor=dave, starts_at=NOW - 60 * MIN, ends_at=NOW + 600 * MIN)
    return carol, dave


def deliver_all(now: dt.datetime) -> None:
    for pk, token in claim_due(now):
        deliver(pk, token, now=now)
    # Only the alert's chain is under test: the milestones' own reminders count as answered.
    Reminder.objects.filter(kind="milestone").update(acknowledged_at=now)


@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        ("observations", NORMAL | {"spo2": 88}, "vital_signs"),
        ("observations", NORMAL | {"leg_sensation": "changed"}, "neuro_deficit"),
        ("complications", {"kind": "chest_symptoms", "severity": "severe", "noted_at": "2026-02-10T12:55:00+01:00"},
         "chest_symptoms"),
        ("pain-scores", {"score": 9, "recorded_at": "2026-02-10T12:59:00+01:00", "source": "staff"},
         "pain_above_baseline"),
    ],
)  # fmt: skip
def test_each_red_flag_source_raises_an_open_alert(alice, recovering, nurse_a, path, body, kind):
    alice.post(f"/api/procedures/{recovering.pk}/pain-scores/",
               {"score": 5, "recorded_at": "2026-02-10T09:00:00+01:00", "source": "baseline"})  # fmt: skip

    response = alice.post(f"/api/procedures/{recovering.pk}/{path}/", body, format="json")

    assert response.status_code == 201, response.json()
    (alert,) = alice.get("/api/alerts/", {"status": "open"}).json()["results"]
    assert (alert["kind"], alert["status"], alert["procedure"], alert["urgent"]) == (kind, "open", recovering.pk, True)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("pain-scores", {"score": 11, "recorded_at": "2026-02-10T12:59:00+01:00", "source": "staff"}, "score"),
        ("pain-scores", {"score": 4, "recorded_at": "2026-02-10T14:00:00+01:00", "source": "staff"}, "recorded_at"),
        ("observations", NORMAL | {"spo2": 140}, "spo2"),
        ("observations", NORMAL | {"recorded_at": "2026-02-10T15:00:00+01:00"}, "recorded_at"),
        ("complications", {"kind": "gout", "severity": "mild", "noted_at": "2026-02-10T12:55:00+01:00"}, "kind"),
    ],
)
def test_invalid_observations_are_refused_with_field_messages(alice, recovering, path, body, field):
    response = alice.post(f"/api/procedures/{recovering.pk}/{path}/", body, format="json")

    assert response.status_code == 400 and field in response.json()
    assert not Reminder.objects.filter(kind="alert").exists()


def test_an_unacknowledged_alert_escalates_along_the_chain_at_the_configured_times(alice, recovering, chain):
    alice.post(f"/api/procedures/{recovering.pk}/observations/", NORMAL | {"leg_strength": "changed"}, format="json")
    deliver_all(NOW)  # the nurses' inbox, at once

    # A new neurological deficit must be acknowledged within 3 minutes.
    assert escalate_due(NOW + 3 * MIN - dt.timedelta(seconds=1)) == 0
    assert escalate_due(NOW + 3 * MIN) == 1
    deliver_all(NOW + 3 * MIN)
    assert escalate_due(NOW + 8 * MIN - dt.timedelta(seconds=1)) == 0
    assert escalate_due(NOW + 8 * MIN) == 1
    deliver_all(NOW + 8 * MIN)

    (alert,) = alice.get("/api/alerts/").json()["results"]
    steps = [(s["escalation_level"], s["recipient"], s["channel"], s["status"]) for s in alert["escalations"]]
    carol, dave = chain
    assert steps == [
        (1, "role:charge_nurse", "inapp", "sent"), (1, f"staff:{carol.pk}", "email", "sent"),
        (2, f"staff:{dave.pk}", "inapp", "sent"), (2, f"staff:{dave.pk}", "email", "sent"),
    ]  # fmt: skip


def test_acknowledging_stops_the_escalation_and_nothing_escalates_twice(alice, recovering, chain, nurse_a):
    alice.post(f"/api/procedures/{recovering.pk}/complications/",
               {"kind": "cement_leakage", "severity": "moderate", "noted_at": "2026-02-10T12:58:00+01:00"})  # fmt: skip
    deliver_all(NOW)
    escalate_due(NOW + 3 * MIN)
    escalate_due(NOW + 3 * MIN)
    alert = Reminder.objects.get(kind="alert")

    response = alice.post(f"/api/alerts/{alert.pk}/acknowledge/", {}, format="json")
    deliver_all(NOW + 4 * MIN)

    assert response.json()["status"] == "acknowledged" and response.json()["acknowledged_by"] == "alice"
    assert escalate_due(NOW + 60 * MIN) == 0
    assert Reminder.objects.filter(escalates=alert).count() == 2  # carol's inbox and e-mail, once
    assert alice.get("/api/alerts/", {"status": "open"}).json()["count"] == 0


def test_recording_the_same_observation_check_twice_is_one_alert(recovering, nurse_a):
    from procedures.recording import record_observations

    values = {k: v for k, v in NORMAL.items() if k != "recorded_at"} | {"spo2": 85, "temperature": Decimal("36.8")}
    check = record_observations(procedure=recovering, values=values, recorded_at=NOW - MIN, by=nurse_a)
    from notifications.alerts import raise_alert
    from procedures.red_flags import RedFlag

    raise_alert(procedure=recovering, flag=RedFlag("vital_signs", "again"), source=check, now=NOW)

    assert Reminder.objects.filter(kind="alert").count() == 1


@pytest.mark.parametrize("query", ["?status=open", "?status=acknowledged", "?ward=999999", "?status=cancelled"])
def test_list_filters_in_the_query_do_not_break_acknowledging_one(alice, recovering, query):
    alice.post(f"/api/procedures/{recovering.pk}/complications/",
               {"kind": "cement_leakage", "severity": "moderate", "noted_at": "2026-02-10T12:58:00+01:00"})  # fmt: skip
    deliver_all(NOW)
    alert = Reminder.objects.get(kind="alert", channel="inapp")

    response = alice.post(f"/api/alerts/{alert.pk}/acknowledge/{query}", {}, format="json")
    notification = alice.post(f"/api/notifications/{alert.pk}/acknowledge/{query}", {}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    assert notification.status_code == 200 and notification.json()["acknowledged_by"] == "alice"
    assert alice.get(f"/api/alerts/{alert.pk}/{query}").status_code == 200


def test_an_alert_reads_in_each_nurse_s_language_and_is_sent_in_the_ward_s(alice, recovering, ward_a):
    ward_a.language = "fr"
    ward_a.save()
    response = alice.post(f"/api/procedures/{recovering.pk}/observations/", NORMAL | {"spo2": 88}, format="json")
    assert response.status_code == 201, response.json()
    alert = Reminder.objects.get(kind="alert")

    assert (alert.summary, alert.summaries["fr"]) == ("SpO2 (%) 88", "SpO2 (%) 88")
    assert content_for(alert).text == "SIGNE D’ALERTE : Constantes hors limites, lit 12, Ward A (spine)."
    alert.ward.language = "en"
    assert content_for(alert).text == "RED FLAG: Vital signs out of range, bed 12, Ward A (spine)."


# One rule for acknowledging a single reminder, on the API and on the ward board: a staff reminder, once sent.


@pytest.fixture
def planned(procedure):
    def plan(key: str, status: str, **recipient) -> Reminder:
        where = {"ward": procedure.patient.ward, "procedure": procedure, "channel": "inapp", "due_at": NOW}
        recipient = recipient or {"recipient_role": "nurse"}
        return Reminder.objects.plan(key=key, message_key="may_stand", status=status, **where, **recipient)

    return plan


@pytest.mark.parametrize(
    ("status", "to_patient", "refusal"),
    [
        ("scheduled", False, "Only a sent reminder can be acknowledged, not scheduled."),
        ("failed", False, "Only a sent reminder can be acknowledged, not failed."),
        ("sent", True, "Messages to patients are not acknowledged by staff."),
    ],
)
def test_only_a_sent_staff_reminder_is_acknowledged(
    alice, client, nurse_a, planned, procedure, status, to_patient, refusal
):
    client.force_login(nurse_a)
    reminder = planned("r", status, **({"recipient_patient": procedure.patient} if to_patient else {}))

    api = alice.post(f"/api/notifications/{reminder.pk}/acknowledge/", {}, format="json")
    ward = client.post(f"/reminders/{reminder.pk}/acknowledge/")  # the ward board's button

    assert (api.status_code, api.json()) == (400, {"non_field_errors": [refusal]})
    assert ward.status_code == 404
    assert Reminder.objects.get(pk=reminder.pk).acknowledged_at is None


def test_a_sent_staff_reminder_is_acknowledged_on_either_with_its_chain(alice, client, nurse_a, planned):
    client.force_login(nurse_a)
    first, second = planned("first", "sent"), planned("second", "sent")
    escalation = planned("first:escalation", "sent", recipient_role="charge_nurse")
    Reminder.objects.filter(pk=escalation.pk).update(escalates=first, kind="escalation", escalation_level=1)

    api = alice.post(f"/api/notifications/{escalation.pk}/acknowledge/", {}, format="json")
    ward = client.post(f"/reminders/{second.pk}/acknowledge/")

    assert (api.status_code, api.json()["acknowledged_by"], ward.status_code) == (200, "alice", 302)
    assert not Reminder.objects.filter(acknowledged_at__isnull=True).exists()
