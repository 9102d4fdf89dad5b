"""Complications as Condition + AdverseEvent, vital signs after FHIR's vital-signs profiles, the
examination as exam Observations, and the machine-readable PlanDefinition."""

import datetime as dt
import importlib
import re
from urllib.parse import urlsplit

from rest_framework.test import APIClient

from procedures.recording import record_observations, report_complication
from procedures.timeline import record_event
from tests.conftest import api_client
from tests.interop.conftest import NOW
from tests.interop.test_fhir import find_references, resources

LOINC, SNOMED, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"
LOCAL = "http://127.0.0.1:8000/fhir"


def validate_each(bundle: dict) -> None:
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind).model_validate(entry["resource"])


def url_of(bundle: dict, resource: dict) -> str:
    return next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is resource)


def codings(concept: dict) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in concept["coding"]]


def test_complications_are_conditions_and_adverse_events_the_procedure_and_plan_point_to(nurse_a, recovering):
    haematoma = report_complication(procedure=recovering, kind="haematoma", severity="severe", by=nurse_a,
                                    noted_at=NOW - dt.timedelta(hours=1), description="Groin swelling")  # fmt: skip
    record_event(procedure=recovering, kind="discharged", at=NOW - dt.timedelta(minutes=30), by=nurse_a)
    report_complication(procedure=recovering, kind="infection", severity="mild", by=nurse_a,
                        noted_at=NOW - dt.timedelta(minutes=10))  # fmt: skip

    bundle = api_client(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/").json()

    validate_each(bundle)
    during, after = resources(bundle, "Condition")
    assert codings(during["code"]) == [(SNOMED, "385494008"), (f"{LOCAL}/complication", "haematoma")]
    assert codings(after["code"]) == [(f"{LOCAL}/complication", "infection")]  # no exact SNOMED CT code
    assert during["category"][0]["coding"][0]["code"] == "encounter-diagnosis"
    assert after["category"][0]["coding"][0]["code"] == "problem-list-item"  # noted after discharge
    assert during["onsetDateTime"] == haematoma.noted_at.isoformat().replace("+00:00", "Z")
    assert codings(during["severity"]) == [(SNOMED, "24484000")] and codings(after["severity"]) == [
        (SNOMED, "255604002")
    ]
    assert during["note"] == [{"text": "Groin swelling"}]
    (procedure,) = resources(bundle, "Procedure")
    (care_plan,) = resources(bundle, "CarePlan")
    condition_urls = [url_of(bundle, during), url_of(bundle, after)]
    assert [r["reference"] for r in procedure["complicationDetail"]] == condition_urls
    assert [r["reference"] for r in care_plan["addresses"]] == condition_urls
    assert procedure["complication"] == [during["code"], after["code"]]
    serious, not_serious = resources(bundle, "AdverseEvent")
    assert serious["actuality"] == "actual" and serious["event"] == during["code"]
    assert serious["suspectEntity"] == [{"instance": {"reference": url_of(bundle, procedure)}}]
    assert serious["resultingCondition"] == [{"reference": condition_urls[0]}]
    assert serious["seriousness"]["coding"][0]["code"] == "Serious"
    assert not_serious["seriousness"]["coding"][0]["code"] == "Non-serious"
    assert set(find_references(bundle["entry"])) <= {e["fullUrl"] for e in bundle["entry"]}


def test_vital_signs_are_one_observation_each_after_the_vital_signs_profiles(nurse_a, recovering):
    bundle = api_client(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/").json()
    vitals = [o for o in resources(bundle, "Observation") if o["category"][0]["coding"][0]["code"] == "vital-signs"]
    by_code = {o["code"]["coding"][0]["code"]: o for o in vitals}
    (nurse,) = resources(bundle, "Practitioner")

    assert sorted(by_code) == ["2708-6", "8310-5", "85353-1", "85354-9", "8867-4"]
    pressure = by_code["85354-9"]
    assert [(codings(c["code"])[0][1], c["valueQuantity"]) for c in pressure["component"]] == [
        ("8480-6", {"value": 128, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}),
        ("8462-4", {"value": 76, "unit": "mm[Hg]", "system": UCUM, "code": "mm[Hg]"}),
    ]
    assert by_code["8867-4"]["valueQuantity"] == {"value": 70, "unit": "/min", "system": UCUM, "code": "/min"}
    assert codings(by_code["2708-6"]["code"]) == [(LOINC, "2708-6"), (LOINC, "59408-5")]
    assert by_code["2708-6"]["valueQuantity"]["value"] == 97 and by_code["2708-6"]["valueQuantity"]["code"] == "%"
    assert by_code["8310-5"]["valueQuantity"] == {"value": 36.9, "unit": "Cel", "system": UCUM, "code": "Cel"}
    panel = by_code["85353-1"]
    members = {url_of(bundle, by_code[code]) for code in ["85354-9", "8867-4", "2708-6", "8310-5"]}
    assert {m["reference"] for m in panel["hasMember"]} == members
    assert nurse["identifier"][0]["value"] == "alice"
    for observation in vitals:
        assert observation["effectiveDateTime"] == "2026-02-10T10:00:00Z"
        assert observation["performer"] == [{"reference": url_of(bundle, nurse)}]
    assert by_code["8867-4"]["meta"]["profile"] == ["http://hl7.org/fhir/StructureDefinition/heartrate"]


def test_legs_puncture_site_and_bladder_are_exam_observations_with_coded_values(nurse_a, recovering):
    bundle = api_client(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/").json()
    exams = [o for o in resources(bundle, "Observation") if o["category"][0]["coding"][0]["code"] == "exam"]

    found = {o["code"]["coding"][0]["code"]: codings(o["valueCodeableConcept"]) for o in exams}
    assert found == {
        "leg_strength": [(f"{LOCAL}/neuro-status", "normal")],
        "leg_sensation": [(f"{LOCAL}/neuro-status", "normal")],
        "puncture_site": [(f"{LOCAL}/puncture-site", "clean")],
        "bladder": [(SNOMED, "17621005"), (f"{LOCAL}/bladder", "normal")],
    }
    assert all(o["code"]["coding"][0]["system"] == f"{LOCAL}/observation" for o in exams)


def test_the_plan_definition_is_machine_readable(nurse_a):
    plan = api_client(nurse_a).get("/api/protocols/vertebral-augmentation/1/fhir/").json()
    actions = {a["title"]: a for a in plan["action"]}

    assert plan["name"] == "VertebralAugmentation" and re.fullmatch(r"[A-Z][A-Za-z0-9_]*", plan["name"])
    anchors = {a["id"] for a in plan["action"] if "id" in a}
    assert anchors == {"cement-injected", "ended", "discharged"}
    assert all(a["relatedAction"][0]["actionId"] in anchors for a in plan["action"] if "relatedAction" in a)
    assert actions["May stand"]["relatedAction"] == [{"actionId": "cement-injected", "relationship": "after",
        "offsetDuration": {"value": 12, "unit": "h", "system": UCUM, "code": "h"}}]  # fmt: skip
    assert actions["Observations 1 (15 min)"]["relatedAction"][0]["actionId"] == "ended"
    day_one = actions["Pain check-in day 1"]["relatedAction"][0]
    assert (day_one["actionId"], day_one["offsetDuration"]["value"], day_one["offsetDuration"]["code"]) == (
        "discharged",
        1,
        "d",
    )
    assert day_one["extension"] == [{"url": f"{LOCAL}/StructureDefinition/local-time", "valueTime": "10:00:00"}]
    month = actions["Follow-up X-ray (1 month)"]["relatedAction"][0]
    assert month["offsetDuration"] == {"value": 1, "unit": "mo", "system": UCUM, "code": "mo"}
    assert {e["url"].rsplit("/", 1)[1]: list(e.values())[1] for e in month["extension"]} == {
        "calendar-months": True, "local-time": "10:00:00"}  # fmt: skip


def extension_urls(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("extension", "modifierExtension"):
                yield from (extension["url"] for extension in value)
            yield from extension_urls(value)
    elif isinstance(node, list):
        for item in node:
            yield from extension_urls(item)


def test_every_extension_used_is_defined_at_its_canonical_url_for_anyone(nurse_a, recovering):
    alice, anyone = api_client(nurse_a), APIClient()
    used = set(extension_urls(alice.get(f"/api/procedures/{recovering.pk}/fhir/").json()))
    used |= set(extension_urls(alice.get("/api/protocols/vertebral-augmentation/1/fhir/").json()))

    assert len(used) == 3  # anaesthesia; calendar months and the local time of day in the plan
    for url in used:
        assert url.startswith(f"{LOCAL}/StructureDefinition/")
        response = anyone.get(urlsplit(url).path)  # no credentials
        definition = response.json()
        assert response.status_code == 200 and response["Content-Type"] == "application/fhir+json"
        assert definition["resourceType"] == "StructureDefinition" and definition["url"] == url
        assert definition["type"] == "Extension" and definition["derivation"] == "constraint"
        assert re.fullmatch(r"[A-Z][A-Za-z0-9_]*", definition["name"])
        importlib.import_module("fhir.resources.R4B.structuredefinition").StructureDefinition.model_validate(definition)


def test_an_unknown_extension_is_not_found():
    response = APIClient().get("/fhir/StructureDefinition/nope")

    assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"


def test_the_export_runs_the_same_queries_however_many_checks_and_complications(
    nurse_a, nurse_b, recovering, django_assert_num_queries, django_assert_max_num_queries
):
    alice = api_client(nurse_a)
    with django_assert_max_num_queries(30) as few:
        alice.get(f"/api/procedures/{recovering.pk}/fhir/")
    nurse_b.wards.add(recovering.patient.ward)  # a second nurse: a second Practitioner
    for minutes, nurse in [(90, nurse_a), (60, nurse_b), (30, nurse_b)]:
        record_observations(
            procedure=recovering, recorded_at=NOW - dt.timedelta(minutes=minutes), by=nurse,
            values={"systolic_bp": 120, "diastolic_bp": 70, "pulse": 72, "spo2": 96, "temperature": "37.0",
                    "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "haematoma"},
        )  # fmt: skip
        report_complication(procedure=recovering, kind="haematoma", severity="moderate", by=nurse,
                            noted_at=NOW - dt.timedelta(minutes=minutes))  # fmt: skip

    with django_assert_num_queries(len(few.captured_queries)):
        bundle = alice.get(f"/api/procedures/{recovering.pk}/fhir/").json()

    assert len(resources(bundle, "Practitioner")) == 2 and len(resources(bundle, "Condition")) == 3


def local_codings(node):
    if isinstance(node, dict):
        if "code" in node and str(node.get("system", "")).startswith(LOCAL):
            yield node["system"], node["code"]
        for value in node.values():
            yield from local_codings(value)
    elif isinstance(node, list):
        for item in node:
            yield from local_codings(item)


def test_every_local_code_is_in_the_code_system_served_at_its_url(nurse_a, recovering):
    report_complication(procedure=recovering, kind="haematoma", severity="mild", by=nurse_a, noted_at=NOW)
    alice, anyone = api_client(nurse_a), APIClient()
    used = set(local_codings(alice.get(f"/api/procedures/{recovering.pk}/fhir/").json()))
    used |= set(local_codings(alice.get("/api/protocols/vertebral-augmentation/1/fhir/").json()))

    systems = {system for system, _ in used}
    assert len(systems) == 9  # procedure, indication, complication, event, observation, 3 values, protocol-step
    for system in systems:
        response = anyone.get(urlsplit(system).path)  # no credentials
        code_system = response.json()
        assert response.status_code == 200 and code_system["resourceType"] == "CodeSystem", system
        assert code_system["url"] == system and code_system["content"] == "complete"
        assert {code for s, code in used if s == system} <= {c["code"] for c in code_system["concept"]}
