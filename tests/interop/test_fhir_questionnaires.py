"""Questionnaires as FHIR: export any one, load a site's own instrument, responses in the procedure's Bundle."""

import copy
import datetime as dt

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from rest_framework.test import APIClient

from procedures.models import Questionnaire, QuestionnaireResponse
from procedures.questionnaires import record_response
from tests.interop.conftest import NOW

# A small instrument of the site's own (not a licensed one): a group of two questions, a choice, a decimal.
INSTRUMENT = {
    "resourceType": "Questionnaire",
    "url": "https://hospital.example/fhir/Questionnaire/back-function",
    "version": "3",
    "name": "BackFunction",
    "title": "Back function",
    "_title": {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/translation",
                              "extension": [{"url": "lang", "valueCode": "fr"},
                                            {"url": "content", "valueString": "Fonction du dos"}]}]},
    "status": "active",
    "item": [
        {"linkId": "intro", "type": "display", "text": "Think of the last 24 hours."},
        {"linkId": "daily", "type": "group", "text": "Daily life", "item": [
            {"linkId": "stairs", "type": "boolean", "text": "I use the stairs slowly", "required": True},
            {"linkId": "walk_minutes", "type": "integer", "text": "Minutes walked", "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
                {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 600}]},
        ]},
        {"linkId": "sleep", "type": "choice", "text": "Sleep", "answerOption": [
            {"valueCoding": {"code": "good", "display": "Good"}},
            {"valueCoding": {"code": "poor", "display": "Poor"}}]},
        {"linkId": "weight", "type": "decimal", "text": "Weight (kg)"},
        {"linkId": "notes", "type": "text", "text": "Anything else"},
    ],
}  # fmt: skip


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def load(user, payload):
    return client_for(user).post("/api/fhir/Questionnaire", payload, format="json")


def test_the_shipped_questionnaire_exports_as_a_valid_fhir_questionnaire(nurse_a, settings):
    response = client_for(nurse_a).get("/api/fhir/Questionnaire/recovery-check")

    body = response.json()
    assert response.status_code == 200
    FhirQuestionnaire.model_validate(body)
    assert (body["url"], body["version"], body["name"]) == (
        f"{settings.FHIR_LOCAL_SYSTEM_BASE}/Questionnaire/recovery-check", "1", "RecoveryCheck",
    )  # fmt: skip
    assert [item["linkId"] for item in body["item"]][:2] == ["pain_rest", "pain_activity"]
    pain = body["item"][0]
    assert pain["extension"] == [
        {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueInteger": 0},
        {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 10},
    ]
    french = pain["_text"]["extension"][0]["extension"]
    assert french[0] == {"url": "lang", "valueCode": "fr"}
    assert body["item"][2]["answerOption"][0]["valueCoding"]["code"] == "none"


def test_an_administrator_loads_an_instrument_that_then_works_like_the_shipped_one(admin_user, procedure, nurse_a):
    response = load(admin_user, INSTRUMENT)

    assert response.status_code == 201, response.json()
    loaded = Questionnaire.objects.current("back-function")
    assert (loaded.version, loaded.title_in("fr")) == (3, "Fonction du dos")
    assert list(loaded.items.values_list("link_id", "type")) == [
        ("stairs", "boolean"), ("walk_minutes", "integer"), ("sleep", "choice"), ("weight", "decimal"),
        ("notes", "text"),
    ]  # fmt: skip
    answered = record_response(
        procedure=procedure, questionnaire=loaded, answers={"stairs": True, "walk_minutes": 30, "sleep": "poor"},
        authored_at=NOW, source="staff", by=nurse_a,
    )  # fmt: skip
    assert answered.answers == {"stairs": True, "walk_minutes": 30, "sleep": "poor"}
    exported = client_for(nurse_a).get("/api/fhir/Questionnaire/back-function").json()
    assert exported["item"][1]["extension"][1] == {
        "url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueInteger": 600,
    }  # fmt: skip


def test_the_same_version_again_is_accepted_once_and_a_different_one_is_a_conflict(admin_user):
    assert load(admin_user, INSTRUMENT).status_code == 201
    assert load(admin_user, INSTRUMENT).status_code == 200
    changed = copy.deepcopy(INSTRUMENT)
    changed["item"][2]["answerOption"].append({"valueCoding": {"code": "none", "display": "None"}})

    response = load(admin_user, changed)

    assert response.status_code == 409
    assert response.json()["issue"][0]["code"] == "conflict"
    assert Questionnaire.objects.filter(code="back-function").count() == 1


@pytest.mark.parametrize(
    ("change", "expression"),
    [
        (lambda q: q["item"][1]["item"][0].update(enableWhen=[{"question": "sleep", "operator": "exists",
                                                               "answerBoolean": True}]),
         "Questionnaire.item[1].item[0].enableWhen"),
        (lambda q: q["item"][3].update(type="date"), "Questionnaire.item[3].type"),
        (lambda q: q.update(version="2.1"), "Questionnaire.version"),
        (lambda q: q["item"][4].update(linkId="weight"), "Questionnaire.item.linkId"),
        (lambda q: q.update(item=[]), "Questionnaire.item"),
        (lambda q: q.update(status="sure"), "Questionnaire.status"),
    ],
)  # fmt: skip
def test_what_cannot_be_asked_is_refused_with_an_operation_outcome(admin_user, change, expression):
    payload = copy.deepcopy(INSTRUMENT)
    change(payload)

    response = load(admin_user, payload)

    body = response.json()
    assert response.status_code == 400
    assert body["resourceType"] == "OperationOutcome"
    assert any(expression in issue.get("expression", [""])[0] for issue in body["issue"]), body
    assert not Questionnaire.objects.filter(code="back-function").exists()


def test_only_administrators_load_questionnaires(nurse_a):
    response = load(nurse_a, INSTRUMENT)

    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"


def test_an_unknown_questionnaire_or_version_is_not_found(nurse_a):
    assert client_for(nurse_a).get("/api/fhir/Questionnaire/eq-5d").status_code == 404
    assert client_for(nurse_a).get("/api/fhir/Questionnaire/recovery-check?version=9").status_code == 404
    assert client_for(nurse_a).get("/api/fhir/Questionnaire/recovery-check?version=²").status_code == 400


def test_the_procedures_bundle_carries_each_response(recovering, nurse_a):
    questionnaire = Questionnaire.objects.current("recovery-check")
    answers = {"pain_rest": 3, "pain_activity": 5, "analgesics": "none", "mobility": "indoors", "falls": False}
    record_response(procedure=recovering, questionnaire=questionnaire, answers=answers,
                    authored_at=NOW - dt.timedelta(minutes=5), source="staff", by=nurse_a)  # fmt: skip

    bundle = client_for(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/").json()

    Bundle.model_validate(bundle)
    [response] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert response["questionnaire"].endswith("/Questionnaire/recovery-check|1")
    assert response["status"] == "completed"
    assert {item["linkId"]: item["answer"][0] for item in response["item"]}["analgesics"]["valueCoding"][
        "code"
    ] == "none"
    assert {item["linkId"]: item["answer"][0] for item in response["item"]}["falls"] == {"valueBoolean": False}
    practitioners = {e["fullUrl"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Practitioner"}
    assert response["author"]["reference"] in practitioners


def test_a_pain_score_texted_during_a_check_is_a_response_in_progress(recovering, nurse_a):
    """What procedures.questionnaires.fill_pain_rest saves: pain at rest alone, the other questions still to come."""
    QuestionnaireResponse.objects.create(
        procedure=recovering, questionnaire=Questionnaire.objects.current("recovery-check"), source="patient",
        authored_at=NOW - dt.timedelta(minutes=5), answers={"pain_rest": 4},
    )  # fmt: skip

    bundle = client_for(nurse_a).get(f"/api/procedures/{recovering.pk}/fhir/").json()

    Bundle.model_validate(bundle)
    [response] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert response["status"] == "in-progress"
    assert [(item["linkId"], item["answer"]) for item in response["item"]] == [("pain_rest", [{"valueInteger": 4}])]
    assert response["source"]["reference"] == response["subject"]["reference"]
