"""No time can break a record: impossible or out-of-range times get a 400 naming the field, everywhere."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from procedures.models import Complication, Event, ObservationCheck, PainScore, Procedure
from procedures.timeline import record_event
from tests.conftest import NOW
from tests.interop.test_fhir import booking

pytestmark = pytest.mark.usefixtures("clock")


IMPOSSIBLE = [
    "2026-13-45T00:00:00Z",  # no 13th month
    "2026-02-10T12:00:00+25:00",  # no offset of 25 hours
    "2026-02-09T23:59:60Z",  # a leap second: Python cannot hold it
    "0001-01-01T00:00:00+01:00",  # UTC cannot hold it
    "9999-12-31T23:00:00-05:00",  # nor this
]
OUT_OF_RANGE_CLINICAL = [
    "1999-12-31T23:59:00Z",  # before 2000
    "0001-01-01T00:00:00Z",  # a year-1 event broke the patient's page
    "2026-02-10T12:06:00Z",  # more than 5 minutes ahead
]
OBSERVATION = {
    "systolic_bp": 130, "diastolic_bp": 80, "pulse": 72, "spo2": 97, "temperature": "36.8",
    "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "clean",
}  # fmt: skip


@pytest.fixture
def injected(procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(hours=1), by=nurse_a)
    return procedure


def clinical_posts(procedure) -> list[tuple[str, dict, str]]:
    base = f"/api/procedures/{procedure.pk}"
    return [
        (f"{base}/events/", {"kind": "ended"}, "at"),
        (f"{base}/pain-scores/", {"score": 3, "source": "staff"}, "recorded_at"),
        (f"{base}/observations/", OBSERVATION, "recorded_at"),
        (f"{base}/complications/", {"kind": "cement_leakage", "severity": "mild"}, "noted_at"),
    ]


@pytest.mark.parametrize("value", IMPOSSIBLE + OUT_OF_RANGE_CLINICAL)
def test_every_clinical_time_of_the_api_refuses_impossible_and_out_of_range_values(alice, injected, value):
    for path, body, field in clinical_posts(injected):
        response = alice.post(path, body | {field: value}, format="json")

        assert response.status_code == 400, (path, response.content)
        assert list(response.json()) == [field], path
    assert not Event.objects.filter(kind="ended").exists()
    assert not PainScore.objects.exists() and not ObservationCheck.objects.exists()
    assert not Complication.objects.exists()


@pytest.mark.parametrize("value", ["2026-02-10T11:55:00Z", "2000-01-01T00:00:00Z", "2026-02-10T13:04:00+01:00"])
def test_a_time_in_range_is_accepted(alice, procedure, value):
    response = alice.post(f"/api/procedures/{procedure.pk}/events/", {"kind": "cement_injected", "at": value})

    assert response.status_code == 201, response.content


@pytest.mark.parametrize("value", [*IMPOSSIBLE, "2028-02-11T00:00:00Z", "2024-02-09T00:00:00Z", "1999-01-01T00:00Z"])
def test_a_planned_time_must_exist_and_be_within_two_years_of_now(alice, patient, value):
    body = {
        "patient": patient.pk, "kind": "vertebroplasty", "indication": "osteoporotic_fracture", "levels": ["L1"],
        "anaesthesia": "local", "scheduled_at": value,
    }  # fmt: skip

    response = alice.post("/api/procedures/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["scheduled_at"]
    assert not Procedure.objects.exists()


@pytest.mark.parametrize("value", ["2028-02-08T00:00:00Z", "2024-02-12T00:00:00+01:00"])
def test_a_planned_time_within_two_years_is_accepted(alice, patient, value):
    body = {
        "patient": patient.pk, "kind": "vertebroplasty", "indication": "osteoporotic_fracture", "levels": ["L1"],
        "anaesthesia": "local", "scheduled_at": value,
    }  # fmt: skip

    assert alice.post("/api/procedures/", body, format="json").status_code == 201


@pytest.mark.parametrize(
    "value", ["2026-13-45T00:00:00Z", "2026-02-10T12:00:00+25:00", "2026-12-31T23:59:60Z", "2029-01-01T00:00:00Z"]
)
def test_the_fhir_import_refuses_them_on_performed_date_time(alice, ward_a, value):
    response = alice.post(
        f"/api/fhir/Procedure?ward={ward_a.pk}", booking() | {"performedDateTime": value}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["Procedure.performedDateTime"]
    assert not Procedure.objects.exists()


@pytest.mark.parametrize(
    ("value", "words"),
    [("0001-01-01T00:00", "too far in the past"), ("1999-12-31T23:00", "before 1 January 2000")],
)
def test_the_ward_form_refuses_them_on_its_field(client, nurse_a, procedure, value, words):
    client.force_login(nurse_a)

    response = client.post(
        f"/procedures/{procedure.pk}/events/",
        {"kind": "cement_injected", "when": "at", "at": value},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert words in " ".join(response.context["form"].errors["at"])
    assert not Event.objects.exists()


def test_the_domain_refuses_a_year_one_time_whatever_calls_it(procedure, nurse_a):
    with pytest.raises(ValidationError) as refused:
        record_event(procedure=procedure, kind="cement_injected", at=dt.datetime(1, 1, 1, tzinfo=dt.UTC), by=nurse_a)

    assert list(refused.value.message_dict) == ["at"]


def test_the_admin_refuses_a_planned_time_out_of_range(client, admin_user, procedure):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    url = f"/admin/procedures/procedure/{procedure.pk}/change/"
    data = {
        "patient": procedure.patient_id, "kind": procedure.kind, "indication": procedure.indication,
        "levels": '["L1"]', "anaesthesia": procedure.anaesthesia, "cement_volume_ml": "{}", "operator": "",
        "scheduled_at_0": "0001-01-01", "scheduled_at_1": "00:00:00",
        "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0, "milestones-TOTAL_FORMS": 0, "milestones-INITIAL_FORMS": 0,
    }  # fmt: skip

    response = client.post(url, data)

    assert response.status_code == 200
    assert "scheduled_at" in response.context["adminform"].form.errors
    procedure.refresh_from_db()
    assert procedure.scheduled_at.year == 2026
