"""Every read and change of a patient's record is in the access log, whichever page it happens on."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from procedures.models import AccessLog, ApiToken, Milestone, Staff
from procedures.recording import report_complication
from procedures.timeline import record_event

NOW = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alice(nurse_a) -> Client:
    client = Client()
    client.force_login(nurse_a)
    return client


def logged(**filters) -> list[tuple]:
    return list(
        AccessLog.objects.filter(**filters).order_by("id").values_list("user__username", "action", "what", "patient_id")
    )


def test_the_patient_page_is_logged(alice, patient):
    assert alice.get(f"/patients/{patient.pk}/").status_code == 200

    assert logged() == [("alice", "read", "patient", patient.pk)]


def test_each_board_view_is_one_row_naming_the_ward(alice, ward_a, procedure, clock):
    alice.get("/")
    alice.get("/")
    refreshes = [alice.get(f"/wards/{ward_a.pk}/live/").status_code for _ in range(3)]
    clock.shift(dt.timedelta(minutes=16))
    alice.get(f"/wards/{ward_a.pk}/live/")

    rows = list(AccessLog.objects.order_by("id").values_list("what", "ward_id", "patient_id", "path"))
    assert refreshes == [200] * 3
    assert rows == [
        ("ward board", ward_a.pk, None, "/"),
        ("ward board", ward_a.pk, None, "/"),
        ("ward board", ward_a.pk, None, f"/wards/{ward_a.pk}/live/"),  # the open board, once per 15 minutes
        ("ward board", ward_a.pk, None, f"/wards/{ward_a.pk}/live/"),
    ]


def test_the_record_event_page_logs_the_read_and_the_change(alice, procedure):
    path = f"/procedures/{procedure.pk}/events/"
    alice.get(path)
    alice.post(path, {"kind": "started", "when": "now", "at": ""})

    assert logged() == [
        ("alice", "read", "events", procedure.patient_id),
        ("alice", "create", "event", procedure.patient_id),
    ]


def test_the_complete_page_logs_the_read_and_the_change(alice, procedure, nurse_a, clock):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    hardened = Milestone.objects.get(procedure=procedure, step__code="cement_hardened")
    path = f"/milestones/{hardened.pk}/complete/"

    alice.get(path)
    alice.post(path, {"note": "flat"})

    assert logged() == [
        ("alice", "read", "milestone", procedure.patient_id),
        ("alice", "update", "milestone", procedure.patient_id),
    ]


def test_admin_patient_pages_are_logged(patient):
    root = Client()
    root.force_login(Staff.objects.create_superuser("root", password="root-password-1234"))

    root.get("/admin/procedures/patient/")
    root.get(f"/admin/procedures/patient/{patient.pk}/change/")
    root.get(f"/admin/procedures/patient/{patient.pk}/history/")
    form = {
        "mrn": patient.mrn, "given_name": "Jeanne", "family_name": "Martin-Roux", "birth_date": "1941-03-14",
        "ward": patient.ward_id, "bed": "12", "phone": "+33612345678", "email": "", "language": "fr",
        "messaging_consent": "on",
    }  # fmt: skip
    saved = root.post(f"/admin/procedures/patient/{patient.pk}/change/", form)

    assert saved.status_code == 302
    assert logged() == [
        ("root", "read", "patient", patient.pk),
        ("root", "read", "patient", patient.pk),
        ("root", "read", "patient history", patient.pk),
        ("root", "update", "patient", patient.pk),
    ]


def test_api_lists_of_notifications_and_alerts_are_logged(nurse_a, procedure):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    report_complication(procedure=procedure, kind="cement_leakage", severity="mild", noted_at=NOW, by=nurse_a)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.issue(user=nurse_a)[1]}")

    notifications = api.get("/api/notifications/")
    alerts = api.get("/api/alerts/")

    assert notifications.json()["count"] > 1 and alerts.json()["count"] == 1
    assert logged(what__in=["notifications", "alerts"]) == [
        ("alice", "read", "notifications", procedure.patient_id),  # one row per patient, not per reminder
        ("alice", "read", "alerts", procedure.patient_id),
    ]
