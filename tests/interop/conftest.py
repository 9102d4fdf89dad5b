"""What the FHIR tests share: a fixed clock and a procedure part-way through recovery."""

import datetime as dt

import pytest

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from procedures.recording import record_observations, record_pain_score
from procedures.timeline import record_event
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def clock(clock):
    """Every FHIR test runs on the frozen clock (tests/conftest.py)."""
    return clock


@pytest.fixture
def recovering(make_procedure, nurse_a):
    procedure = make_procedure(levels=["T12", "L1"], anaesthesia="general")
    record_pain_score(procedure=procedure, score=7, recorded_at=NOW - dt.timedelta(hours=4), source="baseline")
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(hours=3, minutes=20), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(hours=3), by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - dt.timedelta(hours=2, minutes=50), by=nurse_a)
    record_observations(
        procedure=procedure, recorded_at=NOW - dt.timedelta(hours=2), by=nurse_a,
        values={"systolic_bp": 128, "diastolic_bp": 76, "pulse": 70, "spo2": 97, "temperature": "36.9",
                "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "clean", "pain": 4},
    )  # fmt: skip
    for pk, token in claim_due(NOW):
        deliver(pk, token, now=NOW)
    return procedure
