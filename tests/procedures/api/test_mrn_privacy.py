"""An MRN on a ward you cannot see: the duplicate is refused, and the answer says nothing more."""

import pytest

from procedures.models import Patient, Procedure
from tests.conftest import api_client
from tests.interop.test_fhir import booking, issue

pytestmark = pytest.mark.usefixtures("clock")


def new_patient(ward, mrn="MRN-0001", **changes) -> dict:
    return {
        "mrn": mrn, "given_name": "Anne", "family_name": "Roux", "birth_date": "1944-05-02", "ward": ward.pk,
    } | changes  # fmt: skip


def test_a_taken_mrn_gets_the_same_answer_on_your_ward_and_on_another(patient, nurse_a, nurse_b, ward_a, ward_b):
    # `patient` (MRN-0001) is on ward A.
    from_another_ward = api_client(nurse_b).post("/api/patients/", new_patient(ward_b))
    from_her_ward = api_client(nurse_a).post("/api/patients/", new_patient(ward_a))

    assert from_another_ward.status_code == from_her_ward.status_code == 400
    assert (
        from_another_ward.json()
        == from_her_ward.json()
        == {"mrn": ["This MRN is already registered. Search your wards for the patient, or ask an administrator."]}
    )
    assert Patient.objects.count() == 1
    assert "Martin" not in from_another_ward.content.decode()


def test_a_request_that_saves_nothing_tells_nothing_of_the_mrn(patient, nurse_b, ward_b):
    bob = api_client(nurse_b)
    invalid = {"birth_date": "someday"}

    taken = bob.post("/api/patients/", new_patient(ward_b, "MRN-0001", **invalid))
    free = bob.post("/api/patients/", new_patient(ward_b, "MRN-FREE", **invalid))

    assert taken.status_code == free.status_code == 400
    assert taken.json() == free.json() and "mrn" not in taken.json()


def test_renaming_to_a_taken_mrn_gets_the_same_answer(patient, nurse_b, ward_b):
    bob = api_client(nurse_b)
    own = bob.post("/api/patients/", new_patient(ward_b, "MRN-B1")).json()

    response = bob.patch(f"/api/patients/{own['id']}/", {"mrn": "MRN-0001"})

    assert response.status_code == 400 and list(response.json()) == ["mrn"]
    assert Patient.objects.get(pk=own["id"]).mrn == "MRN-B1"


def test_a_fhir_probe_without_a_ward_cannot_tell_a_taken_mrn_from_a_free_one(patient, nurse_b):
    bob = api_client(nurse_b)

    taken = bob.post("/api/fhir/Procedure", booking(mrn="MRN-0001", external="RX-5"), format="json")
    free = bob.post("/api/fhir/Procedure", booking(mrn="MRN-FREE", external="RX-6"), format="json")

    assert taken.status_code == free.status_code == 400
    assert taken.json() == free.json()
    assert issue(taken, "ward")["diagnostics"].startswith("A new patient needs a ward")


def test_a_fhir_booking_of_another_ward_s_mrn_is_refused_without_saying_whose(patient, nurse_b, ward_b):
    response = api_client(nurse_b).post(f"/api/fhir/Procedure?ward={ward_b.pk}", booking(mrn="MRN-0001"), format="json")

    found = issue(response, "Patient.identifier")
    assert response.status_code == 400 and found["code"] == "conflict"
    assert "already registered" in found["diagnostics"]
    assert "Martin" not in response.content.decode() and "Ward A" not in response.content.decode()
    assert not Procedure.objects.exists() and Patient.objects.get().ward == patient.ward
