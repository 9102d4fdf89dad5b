"""Shared personas: two wards, a nurse on each, an administrator, and a patient on ward A."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from procedures.models import Patient, Procedure, Protocol, Staff, Ward
from procedures.timeline import schedule_procedure

PARIS = "Europe/Paris"
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
