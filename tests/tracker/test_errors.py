"""Errors under /api/ are JSON (an OperationOutcome under /api/fhir/), even for a URL that matches nothing."""

import json

from django.test import Client


def test_an_unknown_api_url_answers_json_404(db):
    response = Client().get("/api/wards/1.5/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_fhir_url_answers_an_operation_outcome(db):
    response = Client().get("/api/fhir/Nothing/here/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/fhir+json"
    assert json.loads(response.content)["issue"][0]["code"] == "not-found"


def test_pages_keep_django_s_html_404(db):
    response = Client().get("/no/such/page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
