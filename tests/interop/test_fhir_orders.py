"""Booking from an order (ServiceRequest), the stricter reading of a booking, and the transaction export."""

import copy
import importlib

import pytest
from django.test import override_settings
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.procedure import Procedure as FhirProcedure

from interop.export import identifier_search
from procedures.models import Patient, Procedure
from tests.conftest import api_client
from tests.interop.test_fhir import booking, history, issue, resources

PATIENT_URL = "urn:uuid:11111111-1111-1111-1111-111111111111"


def order(mrn="MRN-77", external="RX-1", code=("http://www.ama-assn.org/go/cpt", "22510"), **changes) -> dict:
    """A ServiceRequest as a hospital record sends an order, from the same patient as `booking()`."""
    procedure = booking(mrn=mrn, external=external)
    return {
        "resourceType": "ServiceRequest",
        "contained": procedure["contained"],
        "identifier": procedure["identifier"],
        "status": "active",
        "intent": "order",
        "code": {"coding": [{"system": code[0], "code": code[1]}]},
        "subject": {"reference": "#p"},
        "occurrenceDateTime": "2026-02-12T09:30:00+01:00",
        "bodySite": procedure["bodySite"],
    } | changes


def bundled(request: dict, *, bundle_type="collection") -> dict:
    request = copy.deepcopy(request)
    patient = request.pop("contained")[0]
    request["subject"] = {"reference": PATIENT_URL}
    entries = [{"fullUrl": PATIENT_URL, "resource": patient}, {"resource": request}]
    if bundle_type == "transaction":
        entries = [e | {"request": {"method": "POST", "url": e["resource"]["resourceType"]}} for e in entries]
    return {"resourceType": "Bundle", "type": bundle_type, "entry": entries}


def test_an_order_books_a_procedure(nurse_a, ward_a):
    response = api_client(nurse_a).post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}", order(), format="json")

    assert response.status_code == 201, response.json()
    procedure = Procedure.objects.get()
    assert (procedure.kind, procedure.levels, procedure.patient.ward, procedure.patient.mrn) == (
        "vertebroplasty", ["T12"], ward_a, "MRN-77")  # fmt: skip
    assert procedure.scheduled_at.isoformat() == "2026-02-12T08:30:00+00:00"
    assert response.json()["resourceType"] == "Procedure" and response["Location"] == f"/api/procedures/{procedure.pk}/"


@pytest.mark.parametrize("bundle_type", ["collection", "transaction"])
def test_an_order_in_a_bundle_books_a_procedure(nurse_a, ward_a, bundle_type):
    posted = bundled(order(), bundle_type=bundle_type)

    response = api_client(nurse_a).post(f"/api/fhir/Bundle?ward={ward_a.pk}", posted, format="json")

    assert response.status_code == 201, response.json()
    assert Procedure.objects.get().patient.mrn == "MRN-77"


def test_an_order_repeated_or_sent_after_its_procedure_changes_nothing(nurse_a, ward_a):
    alice = api_client(nurse_a)
    alice.post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json")
    before = history()

    answers = [alice.post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}", order(), format="json") for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 200]
    assert history() == before and Procedure.objects.count() == 1


def test_an_order_with_another_patients_mrn_is_a_conflict_like_a_procedure(nurse_a, ward_a):
    alice = api_client(nurse_a)
    alice.post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}", order(mrn="MRN-77"), format="json")

    response = alice.post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}", order(mrn="MRN-88"), format="json")

    assert response.status_code == 400 and issue(response, "ServiceRequest.identifier")["code"] == "conflict"
    assert not Patient.objects.filter(mrn="MRN-88").exists()


def test_an_order_onto_another_ward_is_refused(nurse_b, ward_a):
    response = api_client(nurse_b).post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}", order(), format="json")

    assert response.status_code == 400 and issue(response, "ward")
    assert not Patient.objects.exists()


@override_settings(FHIR_SNOMED_PROCEDURE_CODES={"vertebroplasty": ["1234567"], "kyphoplasty": []})
def test_an_order_coded_in_snomed_ct_books_by_the_hospitals_codes(nurse_a, ward_a):
    # 1234567 stands for the code a hospital lists in FHIR_SNOMED_VERTEBROPLASTY_CODES.
    alice = api_client(nurse_a)

    known = alice.post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}",
                       order(code=("http://snomed.info/sct", "1234567")), format="json")  # fmt: skip
    unknown = alice.post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}",
                         order(external="RX-2", code=("http://snomed.info/sct", "7654321")), format="json")  # fmt: skip

    assert known.status_code == 201 and Procedure.objects.get().kind == "vertebroplasty"
    assert unknown.status_code == 400 and issue(unknown, "ServiceRequest.code")


@pytest.mark.parametrize(
    ("payload", "expression"),
    [
        (order(status="draft"), "ServiceRequest.status"),
        (order(intent="plan"), "ServiceRequest.intent"),
        (order(intent="nope"), "ServiceRequest.intent"),
        (order(occurrenceDateTime="2026-02-12"), "ServiceRequest.occurrenceDateTime"),
        (order(code=("http://www.ama-assn.org/go/cpt", "99999")), "ServiceRequest.code"),
        (order(bodySite=[]), "ServiceRequest.bodySite"),
        (order(subject={"reference": "Patient/123"}), "ServiceRequest.subject"),
        (bundled(order()) | {"entry": bundled(order())["entry"] + [{"resource": order()}]}, "Bundle.entry"),
    ],
)
def test_an_invalid_order_names_what_is_wrong_and_saves_nothing(nurse_a, ward_a, payload, expression):
    response = api_client(nurse_a).post(f"/api/fhir/ServiceRequest?ward={ward_a.pk}", payload, format="json")

    assert response.status_code == 400, response.json()
    assert issue(response, expression)["severity"] == "error"
    assert not Patient.objects.exists() and not Procedure.objects.exists()


def with_subject(reference: str) -> dict:
    return booking() | {"subject": {"reference": reference}}


def in_bundle_with_subject(reference: str) -> dict:
    bundle = bundled(booking())
    bundle["entry"][1]["resource"]["subject"] = {"reference": reference}
    return bundle


@pytest.mark.parametrize(
    "payload",
    [with_subject("#someone-else"), with_subject("Patient/123"), in_bundle_with_subject("Patient/123"),
     in_bundle_with_subject("urn:uuid:22222222-2222-2222-2222-222222222222")],
)  # fmt: skip
def test_a_procedure_whose_subject_is_not_the_patient_sent_is_refused(nurse_a, ward_a, payload):
    path = "Bundle" if payload["resourceType"] == "Bundle" else "Procedure"

    response = api_client(nurse_a).post(f"/api/fhir/{path}?ward={ward_a.pk}", payload, format="json")

    assert response.status_code == 400 and "Patient" in issue(response, "Procedure.subject")["diagnostics"]
    assert not Patient.objects.exists()


def test_a_bundled_patient_may_be_referenced_by_its_id(nurse_a, ward_a):
    bundle = in_bundle_with_subject("Patient/p")  # the Patient's id is "p"

    response = api_client(nurse_a).post(f"/api/fhir/Bundle?ward={ward_a.pk}", bundle, format="json")

    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("changes", "expression"),
    [({"gender": "F"}, "Patient.gender"), ({"telecom": [{"system": "mobile", "value": "+33611223344"}]},
                                             "Patient.telecom[0].system"),
     ({"name": [{"use": "legal", "family": "Roux", "given": ["Anne"]}]}, "Patient.name[0].use")],
)  # fmt: skip
def test_a_code_outside_a_required_value_set_is_refused_by_name(nurse_a, ward_a, changes, expression):
    posted = booking()
    posted["contained"][0] |= changes

    response = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", posted, format="json")

    assert response.status_code == 400
    assert issue(response, expression)["expression"] == [expression]
    assert issue(response, expression)["code"] == "code-invalid"
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("changes", "expression"),
    [({"type": "bag"}, "Bundle.type"), ({"entry": [{"request": {"method": "post", "url": "Patient"}}]},
                                        "Bundle.entry[0].request.method")],
)  # fmt: skip
def test_a_bundle_code_outside_a_required_value_set_is_refused_by_name(nurse_a, ward_a, changes, expression):
    posted = bundled(order(), bundle_type="transaction")
    for key, value in changes.items():
        posted[key] = value if key != "entry" else [posted["entry"][0] | value[0], *posted["entry"][1:]]

    response = api_client(nurse_a).post(f"/api/fhir/Bundle?ward={ward_a.pk}", posted, format="json")

    assert response.status_code == 400 and issue(response, expression)["code"] == "code-invalid"
    assert not Patient.objects.exists()


def test_a_valid_gender_is_accepted(nurse_a, ward_a):
    posted = booking()
    posted["contained"][0]["gender"] = "female"

    assert api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", posted, format="json").status_code == 201


def test_the_booking_reply_contains_the_patient_its_subject_names(nurse_a, ward_a):
    reply = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", booking(), format="json").json()

    FhirProcedure.model_validate(reply)
    (patient,) = reply["contained"]
    assert reply["subject"] == {"reference": f"#{patient['id']}"} and patient["resourceType"] == "Patient"
    assert patient["identifier"] == [{"system": "urn:recovery-tracker:mrn", "value": "MRN-77"}]


def test_the_transaction_export_holds_the_same_resources_each_with_its_request(nurse_a, recovering):
    alice = api_client(nurse_a)
    collection = alice.get(f"/api/procedures/{recovering.pk}/fhir/").json()

    response = alice.get(f"/api/procedures/{recovering.pk}/fhir/?type=transaction")

    transaction = response.json()
    assert response.status_code == 200 and transaction["type"] == "transaction"
    Bundle.model_validate(transaction)
    for entry in transaction["entry"]:
        kind = entry["resource"]["resourceType"]
        getattr(importlib.import_module(f"fhir.resources.R4B.{kind.lower()}"), kind).model_validate(entry["resource"])
    assert [(e["fullUrl"], e["resource"]) for e in transaction["entry"]] == [
        (e["fullUrl"], e["resource"]) for e in collection["entry"]]  # fmt: skip
    assert all(e["request"]["method"] == "POST" and e["request"]["url"] == e["resource"]["resourceType"]
               for e in transaction["entry"])  # fmt: skip
    (patient,) = [e for e in transaction["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert patient["request"]["ifNoneExist"] == "identifier=urn:recovery-tracker:mrn|MRN-0001"
    assert len(resources(transaction, "Observation")) == 11


def test_an_unknown_bundle_type_is_refused(nurse_a, recovering):
    response = api_client(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/?type=batch")

    assert response.status_code == 400 and issue(response, "type")


def test_a_conditional_create_escapes_the_identifier_it_searches_on():
    search = identifier_search({"system": "urn:hospital:mrn", "value": "A|1,2&3"})

    assert search == "identifier=urn:hospital:mrn|A%5C|1%5C%2C2%263"  # A\|1\,2&3, then URL-encoded


@pytest.mark.parametrize("base", ["http://127.0.0.1:8000/fhir", "urn:recovery-tracker:codes"])
def test_local_codes_are_read_under_their_url_and_the_urn_they_had_at_first(nurse_a, ward_a, base):
    posted = booking() | {
        "extension": [{"url": f"{base}/anaesthesia", "valueCode": "general"}],
        "reasonCode": [{"coding": [{"system": f"{base}/indication", "code": "tumour"}]}],
    }

    response = api_client(nurse_a).post(f"/api/fhir/Procedure?ward={ward_a.pk}", posted, format="json")

    assert response.status_code == 201, response.json()
    assert (Procedure.objects.get().anaesthesia, Procedure.objects.get().indication) == ("general", "tumour")
