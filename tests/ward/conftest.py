"""A frozen clock for the ward pages, and a ward full of patients."""

import datetime as dt

import pytest
import time_machine

from procedures.models import Patient
from procedures.timeline import record_event, schedule_procedure

# 14:00 in Paris (CET, UTC+1), away from any change of the clocks.
NOW = dt.datetime(2026, 2, 10, 13, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def logged_in(client, nurse_a):
    client.force_login(nurse_a)
    return client


@pytest.fixture
def fill_ward(nurse_a):
    """Add `count` patients to a ward, each with a procedure whose cement went in `minutes_ago` (None: not yet)."""

    def fill(ward, count: int, *, minutes_ago: int | None = 30) -> list[Patient]:
        patients = []
        first = Patient.objects.filter(ward=ward).count()
        for n in range(first, first + count):
            patient = Patient.objects.create(
                mrn=f"MRN-{ward.pk}-{n:03d}",
                given_name=f"Given{n}",
                family_name=f"Family{n}",
                birth_date=dt.date(1940, 1, 1),
                ward=ward,
                bed=str(n + 1),
            )
            procedure = schedule_procedure(
                patient=patient,
                kind="vertebroplasty",
                indication="osteoporotic_fracture",
                levels=["L1"],
                anaesthesia="local",
                scheduled_at=NOW - dt.timedelta(hours=2),
                by=nurse_a,
            )
            if minutes_ago is not None:
                record_event(procedure=procedure, kind="cement_injected", at=NOW - minutes_ago * MIN, by=nurse_a)
            patients.append(patient)
        return patients

    return fill
