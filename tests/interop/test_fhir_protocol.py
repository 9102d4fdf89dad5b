"""How a protocol step's timing is written in the PlanDefinition, for timings the default protocol lacks."""

import datetime as dt

import pytest
from fhir.resources.R4B.plandefinition import PlanDefinitionActionRelatedAction

from interop.extensions import EXTENSIONS
from interop.protocol import computable_name, related_action
from procedures.models import ProtocolStep

BASE = "http://127.0.0.1:8000/fhir/StructureDefinition"


def test_a_step_with_months_and_elapsed_time_says_both():
    step = ProtocolStep(code="late_review", anchor="discharged", offset=dt.timedelta(days=1, hours=6), offset_months=2,
                        at_local_time=dt.time(9, 30))  # fmt: skip

    related = related_action(step)

    PlanDefinitionActionRelatedAction.model_validate(related)
    assert related["actionId"] == "discharged" and related["offsetDuration"]["value"] == 2
    assert related["extension"] == [
        {"url": f"{BASE}/calendar-months", "valueBoolean": True},
        {"url": f"{BASE}/elapsed-offset", "valueDuration": {"value": 30, "unit": "h",
                                                             "system": "http://unitsofmeasure.org", "code": "h"}},
        {"url": f"{BASE}/local-time", "valueTime": "09:30:00"},
    ]  # fmt: skip
    assert {e["url"] for e in related["extension"]} <= {extension.url for extension in EXTENSIONS.values()}


def test_an_offset_in_seconds_stays_exact():
    step = ProtocolStep(code="quick", anchor="cement_injected", offset=dt.timedelta(seconds=90))

    assert related_action(step)["offsetDuration"] == {"value": 90.0, "unit": "s",
                                                      "system": "http://unitsofmeasure.org", "code": "s"}  # fmt: skip


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("vertebral-augmentation", "VertebralAugmentation"),
        ("spine_2026", "Spine2026"),
        ("3-day-stay", "Protocol3DayStay"),
    ],
)
def test_a_protocol_code_becomes_a_computable_name(code, name):
    assert computable_name(code) == name
