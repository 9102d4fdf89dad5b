"""The ward's results, on a small ward whose every figure was worked out by hand (see each test)."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from notifications.models import Reminder
from outcomes.statistics import quantile, wilson_interval
from procedures.models import PainScore, Patient, Protocol, ProtocolStep, Questionnaire
from procedures.observations import record_observations, report_complication
from procedures.questionnaires import record_response
from procedures.timeline import record_event

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)
NORMAL = {
    "systolic_bp": 130, "diastolic_bp": 80, "pulse": 72, "spo2": 97, "temperature": 36.8, "leg_strength": "normal",
    "leg_sensation": "normal", "puncture_site": "clean", "bladder": "normal",
}  # fmt: skip
ANSWERS = {"pain_activity": 5, "analgesics": "none", "mobility": "outdoors", "falls": False}


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def prom_protocol(db) -> Protocol:
    """The default protocol with a one-month recovery check (window opens 3 days before)."""
    protocol = Protocol.objects.current("vertebral-augmentation").new_draft()
    ProtocolStep.objects.create(
        protocol=protocol, code="prom_1m", label="Recovery check (1 month)", anchor="cement_injected",
        offset=dt.timedelta(0), offset_months=1, at_local_time=dt.time(10, 0), window_opens_before=dt.timedelta(days=3),
        audience="patient", action="Recovery check.", records="questionnaire",
        questionnaire=Questionnaire.objects.current("recovery-check"), order=99,
    )  # fmt: skip
    protocol.publish()
    return protocol


def operated(make_procedure, ward, nurse, *, number: int, cement_at: dt.datetime, protocol: Protocol):
    patient = Patient.objects.create(
        mrn=f"MRN-9{number}", given_name="P", family_name=f"Patient {number}", birth_date=dt.date(1940, 1, 1), ward=ward
    )
    procedure = make_procedure(patient=patient, protocol=protocol, scheduled_at=cement_at - 60 * MIN)
    record_event(procedure=procedure, kind="started", at=cement_at - 10 * MIN, by=nurse)
    record_event(procedure=procedure, kind="cement_injected", at=cement_at, by=nurse)
    return procedure


def answer_1m(procedure, pain_rest: int):
    milestone = procedure.milestones.get(step__code="prom_1m")
    at = milestone.due_at - dt.timedelta(days=1)
    record_response(
        procedure=procedure, questionnaire=milestone.step.questionnaire, answers={**ANSWERS, "pain_rest": pain_rest},
        authored_at=at, source="patient", milestone=milestone, now=at,
    )  # fmt: skip


def stood(procedure, nurse, minutes: int):
    cement = procedure.events.get(kind="cement_injected").at
    milestone = procedure.milestones.get(step__code="may_stand")
    at = cement + minutes * MIN
    record_observations(procedure=procedure, values=NORMAL, recorded_at=at, by=nurse, milestone=milestone, now=at)


@pytest.fixture
def ward_data(make_procedure, ward_a, nurse_a, prom_protocol):
    """Four procedures in February 2026 and one in December 2025 (outside the period).

    P1 baseline score 8, one month 2 (relieved); P2 baseline score 6, one month 4 (relieved: 4 ≤ 6−2 and
    4 ≤ 4.2); P3 baseline 10 answered before the cement, one month 8 (not: 8 > 7); P4 no baseline, one
    month 1. Cement leakage on P1 and twice on P2, an infection on P2. Up at 725, 750 and 780 minutes.
    """
    february = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
    p1, p2, p3, p4 = (
        operated(make_procedure, ward_a, nurse_a, number=n, cement_at=february + n * dt.timedelta(days=1),
                 protocol=prom_protocol)
        for n in range(1, 5)
    )  # fmt: skip
    outside = operated(make_procedure, ward_a, nurse_a, number=5, cement_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
                       protocol=prom_protocol)  # fmt: skip
    for procedure, baseline in [(p1, 8), (p2, 6), (outside, 9)]:
        cement = procedure.events.get(kind="cement_injected").at
        PainScore.objects.create(procedure=procedure, score=baseline, recorded_at=cement - 60 * MIN, source="baseline")
    cement_3 = p3.events.get(kind="cement_injected").at
    record_response(
        procedure=p3, questionnaire=Questionnaire.objects.current("recovery-check"),
        answers={**ANSWERS, "pain_rest": 10}, authored_at=cement_3 - 120 * MIN, source="staff", by=nurse_a,
    )  # fmt: skip
    for procedure, pain in [(p1, 2), (p2, 4), (p3, 8), (p4, 1), (outside, 0)]:
        answer_1m(procedure, pain)
    for procedure, kind in [(p1, "cement_leakage"), (p2, "cement_leakage"), (p2, "cement_leakage"), (p2, "infection")]:
        noted = procedure.events.get(kind="cement_injected").at + 60 * MIN
        report_complication(procedure=procedure, kind=kind, severity="mild", noted_at=noted, by=nurse_a)
    for procedure, minutes in [(p1, 725), (p2, 750), (p3, 780)]:
        stood(procedure, nurse_a, minutes)
    inbox = Reminder.objects.filter(procedure=p1, channel="inapp", kind="milestone").order_by("id")[:2]
    for reminder, seconds in zip(inbox, [60, 120], strict=True):
        Reminder.objects.filter(pk=reminder.pk).update(
            status="sent", sent_at=reminder.due_at, acknowledged_at=reminder.due_at + dt.timedelta(seconds=seconds)
        )
    return [p1, p2, p3, p4]


def results(user, **params):
    response = api(user).get("/api/outcomes/", {"from": "2026-01-01", "to": "2026-03-31", **params})
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_statistics_by_hand():
    assert (quantile([2, 4, 8, 1], 0.25), quantile([2, 4, 8, 1], 0.5), quantile([2, 4, 8, 1], 0.75)) == (1.75, 3, 5)
    assert quantile([725, 750, 780], 0.9) == pytest.approx(774)
    assert quantile([], 0.5) is None
    low, high = wilson_interval(1, 41)  # the example: 0.004–0.126
    assert (round(low, 3), round(high, 3)) == (0.004, 0.126)
    assert wilson_interval(0, 0) is None
    assert wilson_interval(0, 4)[0] == 0.0


def test_pain_and_relief_at_one_month(ward_data, nurse_a, ward_a):
    body = results(nurse_a, ward=ward_a.pk)

    assert body["procedures"] == 4
    assert body["pain"]["baseline_median"] == 8
    one_month = next(row for row in body["pain"]["by_timepoint"] if row["timepoint"] == "prom_1m")
    assert one_month == {
        "timepoint": "prom_1m", "answered": 4, "expected": 4, "response_rate": 1.0, "median": 3.0, "q1": 1.8,
        "q3": 5.0, "with_baseline": 3, "relief_rate": 0.667, "relief_ci95": [0.208, 0.939],
    }  # fmt: skip
    one_week = next(row for row in body["pain"]["by_timepoint"] if row["timepoint"] == "prom_1w")
    assert (one_week["answered"], one_week["median"], one_week["relief_rate"]) == (0, None, None)


def test_every_kind_of_complication_with_its_interval(ward_data, nurse_a, ward_a):
    kinds = {row["kind"]: row for row in results(nurse_a, ward=ward_a.pk)["complications"]}

    assert kinds["cement_leakage"] == {"kind": "cement_leakage", "count": 2, "rate": 0.5, "ci95": [0.15, 0.85]}
    assert kinds["infection"] == {"kind": "infection", "count": 1, "rate": 0.25, "ci95": [0.046, 0.699]}
    assert kinds["new_fracture"] == {"kind": "new_fracture", "count": 0, "rate": 0.0, "ci95": [0.0, 0.49]}
    assert set(kinds) == {"cement_leakage", "neuro_deficit", "chest_symptoms", "infection", "haematoma",
                          "new_fracture", "other"}  # fmt: skip


def test_time_to_stand_timeliness_and_acknowledgement(ward_data, nurse_a, ward_a):
    body = results(nurse_a, ward=ward_a.pk)

    assert body["time_to_stand_minutes"] == {"median": 750, "p90": 774}
    # Three staff steps each fell due (cement hardened, may stand, control X-ray): 12; only the three
    # "may stand" were done in time.
    assert body["milestones_on_time_rate"] == 0.25
    assert body["staff_acknowledgement_seconds"] == {"median": 90, "p90": 114}
    assert {"measure": "relief_rate", "value": "0.98"}.items() <= body["references"][0].items()


def test_a_day_ends_at_midnight_in_the_wards_zone(make_procedure, ward_a, nurse_a, prom_protocol):
    # Paris is on summer time (UTC+2) from 29 March 2026: 23:30 on the 31st is 21:30 UTC, in the period;
    # 00:30 on 1 April is 22:30 UTC on the 31st, after it.
    operated(make_procedure, ward_a, nurse_a, number=1, cement_at=dt.datetime(2026, 3, 31, 21, 30, tzinfo=dt.UTC),
             protocol=prom_protocol)  # fmt: skip
    operated(make_procedure, ward_a, nurse_a, number=2, cement_at=dt.datetime(2026, 3, 31, 22, 30, tzinfo=dt.UTC),
             protocol=prom_protocol)  # fmt: skip

    assert results(nurse_a, ward=ward_a.pk)["procedures"] == 1


def test_the_number_of_queries_does_not_grow_with_the_ward(ward_data, nurse_a, ward_a, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        results(nurse_a, ward=ward_a.pk)


def test_another_wards_nurse_gets_a_404_and_an_administrator_any_ward(ward_data, nurse_b, ward_a, admin_user):
    assert api(nurse_b).get("/api/outcomes/", {"ward": ward_a.pk}).status_code == 404
    assert results(nurse_b)["procedures"] == 0  # her own wards only
    assert results(admin_user, ward=ward_a.pk)["procedures"] == 4


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "2026-13-01"}, "from"), ({"to": "tomorrow"}, "to"), ({"ward": "²"}, "ward"),
     ({"from": "2026-03-01", "to": "2026-02-01"}, "to"), ({"kind": "surgery"}, "kind")],
)  # fmt: skip
def test_bad_filters_are_a_400_naming_them(nurse_a, params, field):
    response = api(nurse_a).get("/api/outcomes/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_the_results_need_a_login(db):
    assert APIClient().get("/api/outcomes/").status_code in (401, 403)


def test_the_page_shows_each_chart_with_its_numbers(ward_data, client, nurse_a, ward_a):
    client.force_login(nurse_a)

    page = client.get(f"/wards/{ward_a.pk}/outcomes/", {"from": "2026-01-01", "to": "2026-03-31"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "4 procedures with the cement injected from 1 January 2026 to 31 March 2026." in html
    assert html.count("<svg") == 4
    assert "<td>0.667</td><td>0.208–0.939</td>" in html  # relief at one month, and its interval
    assert "<td>2</td><td>0.5</td><td>0.15–0.85</td>" in html  # cement leakage
    assert page["Cache-Control"].startswith("max-age=0")


def test_the_page_reads_in_french(ward_data, client, nurse_a, ward_a):
    client.force_login(nurse_a)

    html = client.get(f"/wards/{ward_a.pk}/outcomes/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Résultats" in html
    assert "Soulagement" in html


def test_another_wards_nurse_cannot_open_the_page_or_the_export(ward_data, client, nurse_b, ward_a):
    client.force_login(nurse_b)

    assert client.get(f"/wards/{ward_a.pk}/outcomes/").status_code == 404
    assert client.get(f"/wards/{ward_a.pk}/outcomes.csv").status_code == 404


def test_bad_filters_on_the_page_are_said_and_the_default_period_shown(client, nurse_a, ward_a):
    client.force_login(nurse_a)

    page = client.get(f"/wards/{ward_a.pk}/outcomes/", {"from": "2026-02-30"})

    assert page.status_code == 200
    assert 'role="alert"' in page.content.decode()


def test_the_export_has_one_row_per_procedure_and_no_name_mrn_or_birth_date(ward_data, client, nurse_a, ward_a):
    client.force_login(nurse_a)

    response = client.get(f"/wards/{ward_a.pk}/outcomes.csv", {"from": "2026-01-01", "to": "2026-03-31"})

    text = b"".join(response.streaming_content).decode()
    header, *rows = text.strip().split("\n")
    assert header == (
        "pseudonym,age_band,kind,levels,cement_injected_at,time_to_stand_minutes,pain_baseline,pain_1w,pain_1m,"
        "pain_3m,pain_6m,pain_12m,complications"
    )
    assert len(rows) == 4
    assert rows[0].split(",")[1:7] == ["80-89", "vertebroplasty", "L1", "2026-02-11T09:00:00+00:00", "725", "8.0"]
    assert rows[1].endswith(",cement_leakage cement_leakage infection")
    assert "MRN" not in text and "Patient" not in text and "1940" not in text
    assert response["Content-Disposition"].startswith('attachment; filename="outcomes-ward')
