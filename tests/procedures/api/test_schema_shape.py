"""The OpenAPI schema says what the answers are: nullable fields, error bodies, plain lists."""

import pytest
from jsonschema import validate
from rest_framework.test import APIClient

from tests.conftest import api_client


@pytest.fixture
def schema(admin_user) -> dict:
    return api_client(admin_user).get("/api/schema/?format=json").json()


@pytest.mark.parametrize(
    "component, field",
    [("Alert", "acknowledged_by"), ("Notification", "acknowledged_by"), ("Milestone", "completed_by"),
     ("PainScore", "recorded_by"), ("Notification", "sent_at"), ("Alert", "acknowledged_at")],
)  # fmt: skip
def test_fields_that_can_be_null_are_marked_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field]["nullable"] is True


def test_error_answers_are_described(schema):
    create = schema["paths"]["/api/patients/"]["post"]["responses"]
    read = schema["paths"]["/api/patients/{id}/"]["get"]["responses"]

    assert create["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/FieldErrors"}
    for code in ("401", "403", "404", "413", "415"):
        assert create[code]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert {"401", "403", "404"} <= set(read) and "413" not in read
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]


def test_fhir_errors_are_operation_outcomes(schema):
    booking = schema["paths"]["/api/fhir/Procedure"]["post"]["responses"]

    assert booking["413"]["content"]["application/fhir+json"]["schema"] == {
        "$ref": "#/components/schemas/OperationOutcome"
    }


def test_lists_of_a_procedure_are_plain_arrays_and_filters_belong_to_lists(schema):
    events = schema["paths"]["/api/procedures/{id}/events/"]["get"]
    acknowledge = schema["paths"]["/api/alerts/{id}/acknowledge/"]["post"]

    assert events["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert not [p for p in events.get("parameters", []) if p["in"] == "query"]
    assert not [p for p in acknowledge.get("parameters", []) if p["in"] == "query"]


def test_the_token_answer_and_logout_are_documented(schema):
    token = schema["paths"]["/api/auth/token/"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]

    assert token == {"$ref": "#/components/schemas/TokenOutput"}
    assert "204" in schema["paths"]["/api/auth/logout/"]["post"]["responses"]


def test_an_unknown_field_named_detail_is_refused_as_the_schema_says(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]["FieldErrors"]

    response = client.post("/api/patients/", {"detail": 1, "mrn": "X"}, format="json")

    assert response.status_code == 400 and response.json()["detail"] == ["Unknown field."]
    validate(response.json(), schema)  # found by schemathesis: `detail` was documented as a string only
