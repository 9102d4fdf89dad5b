"""The questionnaire endpoints: the list in the request's language, a procedure's responses, refusals, ward rules."""

import pytest
from rest_framework.test import APIClient

from procedures.models import AccessLog

pytestmark = pytest.mark.usefixtures("clock")

GOOD = {"pain_rest": 3, "pain_activity": 5, "analgesics": "none", "mobility": "outdoors", "falls": False}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def posted(procedure, user, body: dict, **headers):
    url = f"/api/procedures/{procedure.pk}/questionnaire-responses/"
    return client_for(user).post(url, body, format="json", **headers)


def test_the_list_gives_each_questionnaire_with_its_items(nurse_a):
    response = client_for(nurse_a).get("/api/questionnaires/")

    assert response.status_code == 200
    [recovery] = [q for q in response.json() if q["code"] == "recovery-check"]
    assert (recovery["version"], recovery["title"]) == (1, "Recovery check")
    assert recovery["items"][0] == {
        "link_id": "pain_rest", "type": "integer", "required": True, "min": 0, "max": 10, "options": [],
        "text": "Your back pain at rest now, from 0 (no pain) to 10 (the worst pain you can imagine)",
    }  # fmt: skip
    assert recovery["items"][2]["options"][0] == {"code": "none", "display": "None"}


def test_the_list_speaks_the_request_language(nurse_a):
    response = client_for(nurse_a).get("/api/questionnaires/", HTTP_ACCEPT_LANGUAGE="fr")

    [recovery] = [q for q in response.json() if q["code"] == "recovery-check"]
    assert recovery["title"] == "Point sur votre rétablissement"
    assert recovery["items"][4]["text"].startswith("Êtes-vous tombé(e)")


def test_the_list_needs_a_login():
    assert APIClient().get("/api/questionnaires/").status_code in (401, 403)


def test_staff_enter_a_response_and_read_it_back(procedure, nurse_a):
    body = {"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00Z", "answers": GOOD}

    created = posted(procedure, nurse_a, body)

    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["questionnaire"] == {"code": "recovery-check", "version": 1}
    assert (body["source"], body["milestone"], body["answers"]) == ("staff", None, GOOD)
    listed = client_for(nurse_a).get(f"/api/procedures/{procedure.pk}/questionnaire-responses/")
    assert listed.json() == [body]
    assert list(AccessLog.objects.values_list("action", "what")) == [
        ("create", "questionnaire response"), ("read", "questionnaire responses"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00Z",
          "answers": {**GOOD, "pain_rest": 11}}, "pain_rest"),
        ({"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00Z",
          "answers": {**GOOD, "mood": "fine"}}, "mood"),
        ({"questionnaire": {"code": "eq-5d"}, "authored_at": "2026-02-10T12:00:00Z", "answers": GOOD}, "questionnaire"),
        ({"questionnaire": {"code": "recovery-check", "version": 9}, "authored_at": "2026-02-10T12:00:00Z",
          "answers": GOOD}, "questionnaire"),
        ({"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00",
          "answers": GOOD}, "authored_at"),
        ({"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00Z", "answers": GOOD,
          "milestone": 999999}, "milestone"),
        ({"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00Z", "answers": [1]},
         "answers"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(procedure, nurse_a, body, field):
    response = posted(procedure, nurse_a, body)

    assert response.status_code == 400
    assert field in response.json()
    assert procedure.responses.count() == 0


def test_another_ward_sees_nothing(procedure, nurse_b):
    body = {"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00Z", "answers": GOOD}

    assert posted(procedure, nurse_b, body).status_code == 404
    url = f"/api/procedures/{procedure.pk}/questionnaire-responses/"
    assert client_for(nurse_b).get(url).status_code == 404
    assert procedure.responses.count() == 0


def test_a_retry_with_the_same_idempotency_key_records_once(procedure, nurse_a):
    body = {"questionnaire": {"code": "recovery-check"}, "authored_at": "2026-02-10T12:00:00Z", "answers": GOOD}

    first = posted(procedure, nurse_a, body, HTTP_IDEMPOTENCY_KEY="prom-1")
    again = posted(procedure, nurse_a, body, HTTP_IDEMPOTENCY_KEY="prom-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert procedure.responses.count() == 1
