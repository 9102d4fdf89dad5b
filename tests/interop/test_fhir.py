"""FHIR R4B export of a recovery plan, the protocol as a PlanDefinition, and booking from the record."""

import datetime as dt
import importlib
import threading

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from rest_framework.test import APIClient

from interop.models import ExternalProcedure
from procedures.models import ApiToken, Patient, Procedure
from procedures.timeline import record_event
from tests.conftest import api_client, reload_default_protocol
from tests.interop.conftest import NOW

FHIR = "application/fhir+json"


def resources(bundle: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_holds_every_part_of_the_plan_and_validates(nurse_a, recovering):
    response = api_client(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/")
    bundle = response.json()

    assert response.status_code == 200 and response["Content-Type"] == FHIR
    for entry in bundle["entry"]:
        kind = entry["resource"]["resourceType"]
        model = getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind)
        model.model_validate(entry["resource"])  # raises if the resource is not valid R4B
    counts = {kind: len(resources(bundle, kind)) for kind in
              ["Patient", "Procedure", "CarePlan", "Task", "ServiceRequest", "CommunicationRequest", "Communication",
               "Observation"]}  # fmt: skip
    staff_milestones = recovering.milestones.filter(step__audience__in=["staff", "staff_and_patient"]).count()
    assert counts["Patient"] == counts["Procedure"] == counts["CarePlan"] == 1
    assert counts["Task"] == staff_milestones and counts["ServiceRequest"] == 2  # control and 1-month X-rays
    assert counts["CommunicationRequest"] == recovering.reminders.count() and counts["Communication"] >= 1
    # baseline pain, staff pain 4; the check: a vital-signs panel, 4 signs, 4 findings of the examination
    assert counts["Observation"] == 2 + 1 + 4 + 4
    (care_plan,) = resources(bundle, "CarePlan")
    assert len(care_plan["activity"]) == recovering.milestones.count()


def test_every_reference_in_the_bundle_resolves_to_an_entry(nurse_a, recovering):
    bundle = api_client(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/").json()
    urls = {entry["fullUrl"] for entry in bundle["entry"]}

    references = list(find_references(bundle["entry"]))

    assert len(references) > 20
    assert set(references) <= urls


def find_references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "reference":
                yield value
            else:
                yield from find_references(value)
    elif isinstance(node, list):
        for item in node:
            yield from find_references(item)


def test_codes_are_the_reference_ones(nurse_a, recovering):
    bundle = api_client(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/").json()
    (procedure,) = resources(bundle, "Procedure")
    pain = [o for o in resources(bundle, "Observation") if "valueInteger" in o]

    assert procedure["code"]["coding"][0] == {"system": "http://www.ama-assn.org/go/cpt", "code": "22510"}
    assert "22510 + 22512 ×1" in procedure["code"]["text"]
    assert [c["coding"][0]["code"] for c in procedure["bodySite"]] == ["23215003", "66794005"]  # T12, L1
    assert procedure["status"] == "completed" and procedure["performedPeriod"]["end"] == "2026-02-10T09:10:00Z"
    assert {o["code"]["coding"][0]["code"] for o in pain} == {"72514-3"}
    assert sorted(o["valueInteger"] for o in pain) == [4, 7]


def test_another_wards_procedure_is_not_exported(nurse_b, recovering):
    assert api_client(nurse_b).get(f"/api/procedures/{recovering.pk}/fhir/").status_code == 404


def test_the_default_protocol_as_a_plan_definition(nurse_a):
    response = api_client(nurse_a).get("/api/protocols/vertebral-augmentation/1/fhir/")

    plan = response.json()
    assert response.status_code == 200 and plan["resourceType"] == "PlanDefinition"
    assert plan["status"] == "active" and plan["version"] == "1"
    stand = next(a for a in plan["action"] if a["title"] == "May stand")
    assert stand["timingDuration"] == {"value": 720.0, "unit": "min", "system": "http://unitsofmeasure.org",
                                       "code": "min"}  # fmt: skip


def booking(mrn="MRN-77", external="RX-1", levels=("23215003",), cpt="22510", status="preparation") -> dict:
    return {
        "resourceType": "Procedure",
        "contained": [{
            "resourceType": "Patient", "id": "p", "identifier": [{"system": "urn:recovery-tracker:mrn", "value": mrn}],
            "name": [{"family": "Roux", "given": ["Anne"]}], "birthDate": "1944-05-02",
            "telecom": [{"system": "phone", "value": "+33611223344"}],
            "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "fr"}]}}],
        }],
        "identifier": [{"system": "urn:recovery-tracker:procedure-id", "value": external}],
        "status": status,
        "code": {"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": cpt}]},
        "subject": {"reference": "#p"},
        "performedDateTime": "2026-02-12T09:30:00+01:00",
        "bodySite": [{"coding": [{"system": "http://snomed.info/sct", "code": code}]} for code in levels],
    }  # fmt: skip


def test_a_procedure_posted_in_fhir_comes_back_out_equal_in_its_clinical_content(nurse_a, ward_a):
    alice = api_client(nurse_a)
    posted = booking()

    response = alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", posted, format="json")

    assert response.status_code == 201, response.json()
    procedure = Procedure.objects.get(pk=response.json()["id"])
    exported = alice.get(f"/api/procedures/{procedure.pk}/fhir/").json()
    (patient,) = resources(exported, "Patient")
    (back,) = resources(exported, "Procedure")
    assert patient["identifier"] == posted["contained"][0]["identifier"]
    assert patient["name"] == posted["contained"][0]["name"] and patient["birthDate"] == "1944-05-02"
    assert back["identifier"] == posted["identifier"] and back["status"] == "preparation"
    assert back["code"]["coding"][0] == posted["code"]["coding"][0]
    assert [b["coding"][0]["code"] for b in back["bodySite"]] == ["23215003"]
    assert back["performedDateTime"] == "2026-02-12T08:30:00Z"
    assert (procedure.kind, procedure.levels, procedure.patient.ward) == ("vertebroplasty", ["T12"], ward_a)


def test_a_repeated_post_changes_nothing(nurse_a, ward_a):
    alice = api_client(nurse_a)
    alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json")
    history = (Patient.history.count(), Procedure.history.count())

    again = alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json")

    assert again.status_code == 200
    assert (Patient.objects.count(), Procedure.objects.count()) == (1, 1)
    assert (Patient.history.count(), Procedure.history.count()) == history


def test_a_bundle_of_patient_and_procedure_books_too(nurse_a, ward_a):
    posted = booking()
    patient = posted.pop("contained")[0]
    posted["subject"] = {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111", "resource": patient},
            {"resource": posted},
        ],
    }

    response = api_client(nurse_a).post(f"/api/fhir/Bundle?ward={ward_a.pk}", bundle, format="json")

    assert response.status_code == 201 and Procedure.objects.get().patient.mrn == "MRN-77"


@pytest.mark.parametrize(
    ("payload", "expression", "words"),
    [
        ({"resourceType": "Procedure", "status": "preparation"}, "subject", "required"),
        ({"resourceType": "Observation"}, "resourceType", "Procedure"),
        (booking(levels=("23215003", "66794005")) | {"extension": [
            {"url": "http://127.0.0.1:8000/fhir/StructureDefinition/anaesthesia", "valueCode": "local"}]},
         "Procedure.extension", "general anaesthesia"),
        (booking(levels=("12345",)), "Procedure.bodySite[0]", "vertebra"),
        (booking(cpt="99999"), "Procedure.code", "CPT"),
        (booking(status="completed"), "Procedure.status", "preparation"),
    ],
)  # fmt: skip
def test_an_invalid_payload_gets_an_operation_outcome_naming_what_is_wrong(nurse_a, ward_a, payload, expression, words):
    response = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", payload, format="json")

    outcome = response.json()
    assert response.status_code == 400 and outcome["resourceType"] == "OperationOutcome"
    assert any(expression in issue["expression"][0] and words in issue["diagnostics"] for issue in outcome["issue"])
    assert not Procedure.objects.exists()


def test_a_nurse_cannot_book_onto_another_ward(nurse_b, ward_a):
    response = api_client(nurse_b).post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json")

    assert response.status_code == 400 and issue(response, "ward")["diagnostics"] == "No such ward among yours."
    assert not Patient.objects.exists()


def test_the_export_runs_the_same_queries_however_many_milestones(nurse_a, make_procedure, django_assert_num_queries,
                                                                  django_assert_max_num_queries):  # fmt: skip
    procedure = make_procedure()
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(hours=3), by=nurse_a)
    alice = api_client(nurse_a)
    with django_assert_max_num_queries(30) as few:
        alice.get(f"/api/procedures/{procedure.pk}/fhir/")
    record_event(procedure=procedure, kind="ended", at=NOW - dt.timedelta(hours=2), by=nurse_a)
    record_event(procedure=procedure, kind="discharged", at=NOW, by=nurse_a)

    with django_assert_num_queries(len(few.captured_queries)):
        alice.get(f"/api/procedures/{procedure.pk}/fhir/")


def issue(response, expression: str) -> dict:
    """The OperationOutcome issue naming `expression` (fails if the body is not an OperationOutcome)."""
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome", outcome
    return next(i for i in outcome["issue"] if expression in i.get("expression", [""])[0])


def history() -> tuple[int, int]:
    return Patient.history.count(), Procedure.history.count()


def test_a_known_procedure_identifier_with_another_patients_mrn_is_refused_and_changes_nothing(nurse_a, ward_a):
    alice = api_client(nurse_a)
    alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(mrn="MRN-77"), format="json")
    before = history()

    response = alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(mrn="MRN-88"), format="json")

    assert response.status_code == 400
    assert issue(response, "Procedure.identifier")["code"] == "conflict"
    assert issue(response, "Patient.identifier")["code"] == "conflict"
    assert Procedure.objects.get().patient.mrn == "MRN-77"
    assert not Patient.objects.filter(mrn="MRN-88").exists() and history() == before


def test_a_known_procedure_on_another_ward_is_refused_without_naming_its_patient(nurse_a, nurse_b, ward_a, ward_b):
    api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(mrn="MRN-77"), format="json")

    response = api_client(nurse_b).post(f"/api/fhir/Procedure?ward={ward_b.pk}", booking(mrn="MRN-99"), format="json")

    assert response.status_code == 400
    assert "MRN-77" not in response.content.decode() and "Roux" not in response.content.decode()
    assert issue(response, "Procedure.identifier")
    assert Procedure.objects.get().patient.mrn == "MRN-77" and not Patient.objects.filter(mrn="MRN-99").exists()


def with_patient(**changes) -> dict:
    posted = booking()
    posted["contained"][0] |= changes
    return posted


def nested_extension(depth: int) -> dict:
    extension = {"url": "urn:example:leaf", "valueString": "x"}
    for _ in range(depth):
        extension = {"url": "urn:example:branch", "extension": [extension]}
    return extension


def in_bundle(*extra: dict) -> dict:
    posted = booking()
    patient = posted.pop("contained")[0]
    posted["subject"] = {"reference": "urn:uuid:11111111-1111-1111-1111-111111111111"}
    entries = [{"fullUrl": "urn:uuid:11111111-1111-1111-1111-111111111111", "resource": patient}, {"resource": posted}]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries + [{"resource": r} for r in extra]}


@pytest.mark.parametrize(
    ("payload", "expression"),
    [
        (in_bundle({"resourceType": "Nope"}), "Bundle.entry[2].resource.resourceType"),
        (in_bundle({"resourceType": "Observation", "status": "final", "code": {"text": "x"}}),
         "Bundle.entry[2].resource.resourceType"),
        (booking() | {"contained": [{"resourceType": "Nope"}]}, "Procedure.contained[0].resourceType"),
        (booking() | {"identifier": None}, "Procedure.identifier"),
        (with_patient(identifier=None), "Patient.identifier"),
        (with_patient(name=[None]), "Procedure.contained[0].name"),
        (with_patient(telecom=[None]), "Procedure.contained[0].telecom"),
        (with_patient(name=None), "Patient.name"),
        (booking() | {"code": {"coding": None}}, "Procedure.code"),
        (booking() | {"bodySite": [{"coding": None}]}, "Procedure.bodySite[0]"),
        (booking(levels=("23215003", "23215003")), "Procedure.bodySite"),
        (with_patient(name=[{"family": "Ro\u0000ux", "given": ["Anne"]}]), "Procedure.contained[0].name[0].family"),
        (booking(external="RX\u00001"), "Procedure.identifier[0].value"),
        (booking(mrn="M" * 33), "Patient.identifier"),
        (booking(external="X" * 201), "Procedure.identifier"),
        (with_patient(name=[{"family": "R" * 101, "given": ["Anne"]}]), "Patient.name"),
        (with_patient(telecom=[{"system": "phone", "value": "12"}]), "Patient.telecom"),
        (with_patient(birthDate="1944"), "Patient.birthDate"),
        (with_patient(birthDate="2030-01-01"), "Patient.birthDate"),
        (with_patient(name=[{"family": "Ro\u202eux", "given": ["Anne"]}]), "Patient.name"),
        (booking() | {"performedDateTime": "2026-12-01"}, "Procedure.performedDateTime"),
        (booking() | {"performedDateTime": "2026"}, "Procedure.performedDateTime"),
        (booking() | {"performedDateTime": "2026-12-31T23:59:60Z"}, "Procedure.performedDateTime"),
        (booking() | {"performedDateTime": "9999-12-31T23:00:00-05:00"}, "Procedure.performedDateTime"),
        (booking() | {"performedDateTime": "0001-01-01T00:00:00+01:00"}, "Procedure.performedDateTime"),
        (booking() | {"reasonCode": [{"coding": [{"system": "http://127.0.0.1:8000/fhir/indication", "code": "x"}]}]},
         "Procedure.reasonCode"),
        (booking() | {"contained": [{"resourceType": "Bundle", "type": "collection",
                                     "entry": [{"resource": {"resourceType": "Nope"}}]}]},
         "Procedure.contained[0].entry[0].resource.resourceType"),
        (with_patient(name=[{"family": "Roux", "given": [None]}]), "Patient.name"),
        (booking() | {"extension": [nested_extension(depth=50)]}, "Procedure.extension[0].extension[0]"),
        ({"resourceType": ["Procedure"]}, "resourceType"),
        ([booking()], "resourceType"),
        ("Procedure", "resourceType"),
    ],
)  # fmt: skip
def test_a_hostile_payload_gets_an_operation_outcome_and_saves_nothing(nurse_a, ward_a, payload, expression):
    response = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", payload, format="json")

    assert response.status_code == 400, response.content
    assert issue(response, expression)["severity"] == "error"
    assert not Patient.objects.exists() and not Procedure.objects.exists()


def test_a_datetime_without_an_offset_is_refused(nurse_a, ward_a):
    # fhir.resources refuses it too; the message must still say what is wanted.
    posted = booking() | {"performedDateTime": "2026-12-01T09:00:00"}

    response = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", posted, format="json")

    assert response.status_code == 400 and issue(response, "Procedure.performedDateTime")
    assert not Procedure.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{", FHIR, 400),
        ("[" * 100_000, FHIR, 400),
        ('{"resourceType": "Procedure"}', "application/fhir+json; charset=no-such-charset", 400),
        ("resourceType=Procedure", "application/x-www-form-urlencoded", 415),
    ],
)
def test_a_body_that_is_not_json_gets_an_operation_outcome(nurse_a, ward_a, body, content_type, status):
    response = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", body, content_type=content_type)

    assert response.status_code == status
    assert response.json()["resourceType"] == "OperationOutcome" and response.json()["issue"][0]["diagnostics"]


@pytest.mark.parametrize("ward", ["²", "x", "١", "99999999999999999999999"])
def test_a_ward_that_is_not_a_number_of_yours_gets_an_operation_outcome(nurse_a, ward, ward_a):
    response = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward}", booking(), format="json")

    assert response.status_code == 400 and issue(response, "ward")
    assert not Patient.objects.exists()


def test_drf_errors_on_the_fhir_endpoints_are_operation_outcomes(nurse_a, procedure):
    alice, stranger = api_client(nurse_a), APIClient()

    answers = [
        (401, stranger.post("/api/fhir/Procedure", booking(), format="json")),
        (404, alice.get("/api/procedures/²/fhir/")),
        (404, alice.get("/api/protocols/%00/1/fhir/")),
        (405, alice.get("/api/fhir/Procedure")),
        (406, alice.get(f"/api/procedures/{procedure.pk}/fhir/", HTTP_ACCEPT="text/csv")),
    ]

    for status, response in answers:
        assert response.status_code == status
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome" and outcome["issue"][0]["diagnostics"], outcome
    assert answers[0][1].json()["issue"][0]["code"] == "login"


@pytest.mark.parametrize("accept", ["application/json", FHIR, "application/fhir+json; fhirVersion=4.3"])
def test_a_client_asking_for_json_or_fhir_json_gets_it(nurse_a, ward_a, procedure, accept):
    alice = api_client(nurse_a)

    got = alice.get(f"/api/procedures/{procedure.pk}/fhir/", HTTP_ACCEPT=accept)
    plan = alice.get("/api/protocols/vertebral-augmentation/1/fhir/", HTTP_ACCEPT=accept)
    posted = alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json", HTTP_ACCEPT=accept)

    assert (got.status_code, plan.status_code, posted.status_code) == (200, 200, 201)
    assert got.json()["resourceType"] == "Bundle" and posted.json()["resourceType"] == "Procedure"


def test_a_repeated_post_in_another_written_form_writes_no_history(nurse_a, ward_a):
    alice = api_client(nurse_a)
    alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(levels=("23215003", "66794005")), format="json")
    before = history()
    again = booking(levels=("66794005", "23215003"))  # L1 then T12: stored in spine order
    again["contained"][0]["telecom"] = [{"system": "phone", "value": "06 11 22 33 44"}]  # stored as +33611223344

    response = alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", again, format="json")

    assert response.status_code == 200, response.json()
    assert history() == before and Procedure.objects.get().levels == ["T12", "L1"]


@pytest.mark.django_db(transaction=True)
def test_two_identical_posts_at_once_book_one_procedure(nurse_a, ward_a):
    reload_default_protocol()
    token = ApiToken.objects.issue(user=nurse_a)[1]
    both_looked_up = threading.Barrier(2)
    waited = set()

    def wait_for_the_other(sender, **kwargs):
        # Both posts found no patient and are about to insert one: the race of two identical posts.
        if threading.get_ident() not in waited:
            waited.add(threading.get_ident())
            both_looked_up.wait(timeout=10)

    answers, errors = [], []

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            answers.append(client.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json").status_code)
        except Exception as error:  # the test client re-raises a 500's exception
            errors.append(error)
        finally:
            connection.close()

    pre_save.connect(wait_for_the_other, sender=Patient)
    try:
        threads = [threading.Thread(target=post) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        pre_save.disconnect(wait_for_the_other, sender=Patient)

    assert not errors and sorted(answers) == [200, 201]
    assert (Patient.objects.count(), Procedure.objects.count(), ExternalProcedure.objects.count()) == (1, 1, 1)


def test_a_booking_registers_and_updates_the_patient_with_the_booker_as_author(nurse_a, ward_a):
    alice = api_client(nurse_a)
    alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json")
    renamed = booking()
    renamed["contained"][0]["name"][0]["family"] = "Durand-Martin"

    assert alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", renamed, format="json").status_code == 200
    rows = Patient.history.order_by("history_id")
    assert [(row.history_type, row.family_name, row.history_user) for row in rows] == [
        ("+", rows[0].family_name, nurse_a),
        ("~", "Durand-Martin", nurse_a),
    ]
