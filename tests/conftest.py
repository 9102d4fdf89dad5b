"""What the tests share: personas (two wards, a nurse on each, a charge nurse and an administrator, a
patient on ward A and her procedure), a frozen clock, and an API client that sends a user's token."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from rest_framework.test import APIClient

from procedures.models import ApiToken, Patient, Procedure, Protocol, Staff, Ward
from procedures.timeline import record_event, schedule_procedure
from tracker import board_version

PARIS = "Europe/Paris"
# Where `clock` stops time unless the test module says otherwise (its own NOW): 13:00 in Paris, in winter.
NOW = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)
# The data migrations that ship the default protocol and the recovery-check questionnaire, replayed
# after a transactional test emptied the database (pytest-django flushes it; migrations do not run again).
SHIPPED_DATA = [
    ("0002_default_protocol", "create_default_protocol"),
    ("0004_default_protocol_observations", "fill_in"),
    ("0009_translated_labels_and_ward_language", "add_french"),
    ("0011_recovery_check_questionnaire", "ship"),
    ("0013_default_protocol_v2_recovery_checks", "add_version_2"),
    ("0019_publish_default_protocol_v2", "publish"),
]


def reload_default_protocol() -> None:
    if Protocol.objects.exists():
        return
    for module, function in SHIPPED_DATA:
        getattr(importlib.import_module(f"procedures.migrations.{module}"), function)(apps, None)


def pytest_collection_modifyitems(items) -> None:
    """Under pytest-xdist (`make test` runs two workers, `--dist loadgroup`), the tests that start real
    processes (Celery workers, a web server) or drive Chromium run one after another on one worker,
    while the other worker takes the rest: two of them at once would each starve the other's processes."""
    for item in items:
        marked = item.get_closest_marker("integration") or item.get_closest_marker("browser")
        if marked or {"browser", "integration"} & set(item.path.parts):
            item.add_marker(pytest.mark.xdist_group("real_processes"))


@pytest.fixture(autouse=True)
def boards_afresh() -> None:
    """No test sees a board kept by another (after a rollback, the same ward ids come back)."""
    board_version.count()


@pytest.fixture
def clock(request):
    """Time frozen at the test module's NOW (else this module's); the fixture's value moves it (`.shift()`).

    A module whose tests all need it says `pytestmark = pytest.mark.usefixtures("clock")`."""
    with time_machine.travel(getattr(request.module, "NOW", NOW), tick=False) as traveller:
        yield traveller


def api_client(user: Staff | None) -> APIClient:
    """An API client that sends a new token of `user` (no credentials for None)."""
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.issue(user=user)[1]}")
    return client


@pytest.fixture
def ward_a(db) -> Ward:
    return Ward.objects.create(name="Ward A (spine)", timezone=PARIS, phone="+33140000000")


@pytest.fixture
def ward_b(db) -> Ward:
    return Ward.objects.create(name="Ward B (orthopaedics)", timezone="Europe/London")


@pytest.fixture
def nurse_a(ward_a) -> Staff:
    nurse = Staff.objects.create_user("alice", password="alice-password", role=Staff.Role.NURSE)
    nurse.wards.add(ward_a)
    return nurse


@pytest.fixture
def nurse_b(ward_b) -> Staff:
    nurse = Staff.objects.create_user("bob", password="bob-password", role=Staff.Role.NURSE)
    nurse.wards.add(ward_b)
    return nurse


@pytest.fixture
def alice(nurse_a) -> APIClient:
    """The API as nurse_a (alice) calls it, with her token."""
    return api_client(nurse_a)


@pytest.fixture
def charge_nurse(ward_a) -> Staff:
    nurse = Staff.objects.create_user("carol", email="carol@example.org", role=Staff.Role.CHARGE_NURSE)
    nurse.wards.add(ward_a)
    return nurse


@pytest.fixture
def admin_user(db) -> Staff:
    return Staff.objects.create_user("ada", password="ada-password", role=Staff.Role.ADMIN)


@pytest.fixture
def patient(ward_a) -> Patient:
    return Patient.objects.create(
        mrn="MRN-0001",
        given_name="Jeanne",
        family_name="Martin",
        birth_date=dt.date(1941, 3, 14),
        ward=ward_a,
        bed="12",
        phone="+33612345678",
        language=Patient.Language.FRENCH,
        messaging_consent=True,
    )


@pytest.fixture
def make_procedure(patient, nurse_a):
    reload_default_protocol()  # a transactional test before this one may have emptied the database

    def make(**overrides) -> Procedure:
        fields = {
            "patient": patient,
            "kind": Procedure.Kind.VERTEBROPLASTY,
            "indication": Procedure.Indication.OSTEOPOROTIC_FRACTURE,
            "levels": ["L1"],
            "anaesthesia": Procedure.Anaesthesia.LOCAL,
            "scheduled_at": dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC),
            "by": nurse_a,
        }
        return schedule_procedure(**(fields | overrides))

    return make


@pytest.fixture
def procedure(make_procedure) -> Procedure:
    return make_procedure()


@pytest.fixture
def injected(procedure, nurse_a, request) -> Procedure:
    """`procedure` with its cement injected at the test module's INJECTED (a module may define its own)."""
    record_event(procedure=procedure, kind="cement_injected", at=request.module.INJECTED, by=nurse_a)
    return procedure
