"""Bodies over the limit get a 413 in the API's format; the API parses JSON only."""

import json

import pytest
from django.test import Client

from procedures.models import ApiToken, Patient, Staff

TOO_BIG = json.dumps({"mrn": "x" * 3_000_000})


@pytest.fixture
def api(db) -> Client:
    admin = Staff.objects.create_user("ada", role=Staff.Role.ADMIN)
    return Client(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.issue(user=admin)[1]}")


def test_a_json_body_over_the_limit_gets_a_json_413(api):
    response = api.post("/api/patients/", TOO_BIG, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "larger than the 2621440 bytes" in response.json()["detail"]
    assert response["Cache-Control"] == "no-store"


def test_a_fhir_body_over_the_limit_gets_an_operation_outcome(api):
    response = api.post("/api/fhir/Bundle", TOO_BIG, content_type="application/fhir+json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/fhir+json"
    outcome = json.loads(response.content)
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "too-long"


def test_the_limit_is_a_setting(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = api.post("/api/wards/", json.dumps({"name": "W" * 200}), content_type="application/json")

    assert response.status_code == 413


def test_a_page_s_form_over_the_limit_gets_413_too(client):
    response = client.post("/accounts/login/", {"username": "x" * 3_000_000, "password": "p"})

    assert response.status_code == 413


@pytest.mark.parametrize("content_type", ["multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded"])
def test_json_only_endpoints_refuse_forms(api, ward_a, content_type):
    body = '--xyz\r\nContent-Disposition: form-data; name="mrn"\r\n\r\nM-1\r\n--xyz--\r\n'
    if content_type.startswith("application/x-www"):
        body = "mrn=M-1"

    response = api.post("/api/patients/", body, content_type=content_type)

    assert response.status_code == 415
    assert not Patient.objects.exists()
