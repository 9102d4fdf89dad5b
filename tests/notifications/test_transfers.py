"""A patient moved to another ward takes her open alerts, unsent reminders, escalations and inbox lines along."""

import datetime as dt
from decimal import Decimal

import pytest

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.escalation import escalate_due
from notifications.models import OnCall, Reminder
from procedures.models import Milestone, Staff
from procedures.recording import record_observations
from procedures.timeline import record_event
from procedures.transfers import transfer_patient
from tests.conftest import NOW, api_client

pytestmark = pytest.mark.usefixtures("clock")

MIN = dt.timedelta(minutes=1)
FEVER = {
    "systolic_bp": 130, "diastolic_bp": 80, "pulse": 72, "spo2": 97, "temperature": Decimal("39.2"),
    "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "clean",
}  # fmt: skip


@pytest.fixture
def chains(ward_a, ward_b):
    """A charge nurse and a doctor on call on each ward."""
    people = {}
    for ward, suffix in [(ward_a, "a"), (ward_b, "b")]:
        charge = Staff.objects.create_user(f"charge_{suffix}", email=f"c{suffix}@example.org", role="charge_nurse")
        charge.wards.add(ward)
        doctor = Staff.objects.create_user(f"doctor_{suffix}", email=f"d{suffix}@example.org", role="doctor")
        OnCall.objects.create(ward=ward, doctor=doctor, starts_at=NOW - 600 * MIN, ends_at=NOW + 6000 * MIN)
        people[suffix] = (charge, doctor)
    return people


@pytest.fixture
def feverish(procedure, nurse_a, chains):
    """Cement in 3 hours ago, a fever recorded now: an open alert, sent to ward A's inbox and escalated once."""
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 180 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - 170 * MIN, by=nurse_a)
    record_observations(procedure=procedure, values=FEVER, recorded_at=NOW, by=nurse_a)
    for pk, token in claim_due(NOW):
        deliver(pk, token, now=NOW)
    answered = Reminder.objects.filter(kind="milestone", status="sent").first()
    answered.acknowledged_at, answered.acknowledged_by = NOW, nurse_a
    answered.save()
    escalate_due(NOW + 60 * MIN)  # the alert and the unanswered milestone reminders reach ward A's charge nurse
    return procedure


def alert_of(procedure) -> Reminder:
    return Reminder.objects.for_people().get(procedure=procedure, kind="alert", escalates__isnull=True)


def test_a_transfer_by_the_api_moves_open_alerts_and_the_old_ward_sees_them_no_more(
    feverish, patient, admin_user, nurse_a, nurse_b, ward_b, chains
):
    alert = alert_of(feverish)
    sent_and_answered = Reminder.objects.get(kind="milestone", acknowledged_at__isnull=False)

    response = api_client(admin_user).patch(f"/api/patients/{patient.pk}/", {"ward": ward_b.pk}, format="json")

    assert response.status_code == 200
    bob, alice = api_client(nurse_b), api_client(nurse_a)
    assert [a["id"] for a in bob.get("/api/alerts/?status=open").json()["results"]] == [alert.pk]
    assert alice.get(f"/api/alerts/{alert.pk}/").status_code == 404
    assert alice.post(f"/api/alerts/{alert.pk}/acknowledge/").status_code == 404
    # The chain that reached ward A's charge nurse is now ward B's to answer; her e-mails not yet sent are not sent.
    left = Reminder.objects.filter(procedure=feverish, ward__name__startswith="Ward A", acknowledged_at=None)
    assert set(left.values_list("status", "recipient_staff")) == {("cancelled", chains["a"][0].pk)}
    assert bob.post(f"/api/alerts/{alert.pk}/acknowledge/").json()["status"] == "acknowledged"
    assert not Reminder.objects.filter(escalates=alert, acknowledged_at=None).exists()
    # History stays where it happened.
    sent_and_answered.refresh_from_db()
    assert sent_and_answered.ward.name.startswith("Ward A")
    inbox = {n["id"] for n in bob.get(f"/api/notifications/?procedure={feverish.pk}&page_size=200").json()["results"]}
    assert sent_and_answered.pk not in inbox and alert.pk in inbox


def test_the_new_wards_board_acknowledges_them_and_the_old_wards_gets_404(
    feverish, patient, nurse_a, nurse_b, ward_b, client
):
    transfer_patient(patient=patient, ward=ward_b)
    alert = alert_of(feverish)

    acknowledge_all = f"/procedures/{feverish.pk}/red-flags/acknowledge/"  # the board's one button per patient

    client.force_login(nurse_a)
    assert client.post(f"/reminders/{alert.pk}/acknowledge/").status_code == 404
    assert client.post(acknowledge_all).status_code == 404
    client.force_login(nurse_b)
    board = client.get("/").content.decode()
    assert acknowledge_all in board
    assert client.post(acknowledge_all).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == nurse_b


def test_escalation_after_a_transfer_follows_the_new_wards_chain(procedure, patient, nurse_a, ward_b, chains, clock):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 180 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - 170 * MIN, by=nurse_a)
    record_observations(procedure=procedure, values=FEVER, recorded_at=NOW, by=nurse_a)
    for pk, token in claim_due(NOW):
        deliver(pk, token, now=NOW)

    transfer_patient(patient=patient, ward=ward_b)
    for minutes in (60, 70):
        escalate_due(NOW + minutes * MIN)
        for pk, token in claim_due(NOW + minutes * MIN):
            deliver(pk, token, now=NOW + minutes * MIN)

    alert = alert_of(procedure)
    told = {r.recipient_staff for r in Reminder.objects.filter(escalates=alert, recipient_staff__isnull=False)}
    assert told == {*chains["b"]}
    assert set(Reminder.objects.filter(escalates=alert).values_list("ward", flat=True)) == {ward_b.pk}


def test_unsent_reminders_move_and_are_replanned_in_the_new_wards_zone_and_quiet_hours(
    procedure, patient, nurse_a, ward_b
):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 180 * MIN, by=nurse_a)
    xray = Milestone.objects.get(procedure=procedure, step__code="xray_followup_1m")
    assert xray.due_at == dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris
    ward_b.quiet_hours_start, ward_b.quiet_hours_end = dt.time(20, 0), dt.time(9, 30)
    ward_b.save()

    transfer_patient(patient=patient, ward=ward_b, by=nurse_a)

    xray.refresh_from_db()
    assert xray.due_at == dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)  # 10:00 in London
    messages = Reminder.objects.filter(milestone=xray, recipient_patient=patient)
    assert {m.ward_id for m in messages} == {ward_b.pk}
    # The day before at 10:00 London; the morning message is 09:30 London, the end of ward B's quiet hours.
    assert sorted(m.due_at for m in messages) == [
        dt.datetime(2026, 3, 9, 10, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 10, 9, 30, tzinfo=dt.UTC),
    ]
    staff = Reminder.objects.filter(procedure=procedure, recipient_patient=None)
    assert set(staff.values_list("ward", flat=True)) == {ward_b.pk}


def test_sent_patient_messages_stay_as_history(procedure, patient, nurse_a, ward_a, ward_b):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 13 * 60 * MIN, by=nurse_a)
    for pk, token in claim_due(NOW):
        deliver(pk, token, now=NOW)
    sent = Reminder.objects.get(recipient_patient=patient, status="sent")

    transfer_patient(patient=patient, ward=ward_b)

    sent.refresh_from_db()
    assert sent.ward == ward_a


def test_a_transfer_in_the_admin_moves_them_too_and_the_history_shows_it(
    feverish, patient, admin_user, nurse_b, ward_b, client
):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    form = client.get(f"/admin/procedures/patient/{patient.pk}/change/").context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data |= {"ward": ward_b.pk, "birth_date": "1941-03-14"}

    response = client.post(f"/admin/procedures/patient/{patient.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert alert_of(feverish).ward == ward_b
    client.force_login(nurse_b)
    page = client.get(f"/patients/{patient.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transferred the patient to Ward B (orthopaedics)" in page


def test_a_save_by_any_other_way_moves_them_in_the_same_transaction(feverish, patient, ward_b):
    patient.ward = ward_b
    patient.save()

    assert alert_of(feverish).ward == ward_b
