"""The ward's results, on a small ward whose every figure was worked out by hand (see each test)."""

import csv
import datetime as dt
import io
import re
import sqlite3

import pytest
import time_machine
from rest_framework.test import APIClient

from notifications.models import Reminder
from outcomes import charts
from outcomes.results import TIMEPOINTS
from outcomes.sql import SQLITE_PERCENTILE, PythonPercentile
from outcomes.statistics import quantile, wilson_interval
from procedures.models import (
    Complication,
    PainScore,
    Patient,
    Protocol,
    ProtocolStep,
    Questionnaire,
    QuestionnaireResponse,
)
from procedures.questionnaires import record_response
from procedures.recording import record_observations, report_complication
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
    """Version 1 of the default protocol (no recovery checks) with only a one-month one (window opens 3 days
    before): the figures below are worked out by hand for that one time point."""
    protocol = Protocol.objects.get(code="vertebral-augmentation", version=1).new_draft()
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
    low, high = wilson_interval(1, 41)  # the issue's example: 0.004–0.126
    assert (round(low, 3), round(high, 3)) == (0.004, 0.126)
    assert wilson_interval(0, 0) is None
    assert wilson_interval(0, 4)[0] == 0.0


def test_on_sqlite_the_percentile_is_the_same_quantile_computed_in_python():
    # `make run` uses SQLite, which has no percentile_cont: outcomes.sql registers this one per connection.
    db = sqlite3.connect(":memory:")
    db.create_aggregate(SQLITE_PERCENTILE, 2, PythonPercentile)
    db.execute("CREATE TABLE pain (score REAL)")
    db.executemany("INSERT INTO pain VALUES (?)", [(2,), (4,), (8,), (1,), (None,), (9,)])
    quartiles = ", ".join(f"{SQLITE_PERCENTILE}(score, {f}) FILTER (WHERE score < 9)" for f in (0.25, 0.5, 0.75))

    assert db.execute(f"SELECT {quartiles} FROM pain").fetchone() == (1.75, 3.0, 5.0)
    assert db.execute(f"SELECT {SQLITE_PERCENTILE}(score, 0.5) FROM pain WHERE score > 10").fetchone() == (None,)


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
     ({"from": "2026-03-01", "to": "2026-02-01"}, "to"), ({"kind": "surgery"}, "kind"),
     # Days at the ends of the calendar: the period's arithmetic would leave it (a 500 before).
     ({"to": "9999-12-31"}, "to"), ({"from": "0001-01-01"}, "from"), ({"to": "0001-06-01"}, "to")],
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
    assert "<td>0.667</td><td>0.208–<wbr>0.939</td>" in html  # relief at one month, and its interval
    assert "<td>2</td><td>0.5</td><td>0.15–<wbr>0.85</td>" in html  # cement leakage
    assert page["Cache-Control"].startswith("max-age=0")


def test_the_page_reads_in_french(ward_data, client, nurse_a, ward_a):
    client.force_login(nurse_a)

    html = client.get(
        f"/wards/{ward_a.pk}/outcomes/", {"from": "2026-01-01", "to": "2026-03-31"}, HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()

    assert "Résultats" in html
    assert "Soulagement" in html
    # The period's "From" is "Du", not the pain table's "From" (who gave the score: "Source").
    assert '<label>Du <input type="date" name="from"' in html and "Source" not in html
    assert "<td>0,667</td>" in html  # numbers for reading are French...
    # ... the published figures and their source too.
    assert "chiffre publié 0,98 (notice d’information des patients sur la vertébroplastie" in html
    assert "0,01–0,05" in html and "Patient information leaflet" not in html
    # ... but the charts' coordinates are numbers for the browser: "62,0" would draw nothing.
    assert re.search(r'\s(x|y|x1|x2|y1|y2|cx|cy|width)="[0-9.]*,', html) is None
    assert 'cy="' in html


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


def answered(procedure, pain_rest: int, at: dt.datetime, milestone=None):
    """A response saved as such (several at one time point, or before the cement), without its side effects."""
    return QuestionnaireResponse.objects.create(
        procedure=procedure, questionnaire=Questionnaire.objects.current("recovery-check"), milestone=milestone,
        authored_at=at, source="patient", answers={**ANSWERS, "pain_rest": pain_rest},
    )  # fmt: skip


@pytest.fixture
def edge_cases(make_procedure, ward_a, nurse_a, prom_protocol):
    """Four procedures in February 2026, each an edge case; at one month they answered 3, 3, 7 and 3 (ties).

    P1 baseline score 5; two answers at one month, 9 then 3: the last, 3, counts; relieved on the very
    edge of the 2-point rule (3 ≤ 5 − 2, 3 ≤ 3.5). P2 baseline scores 10 then 4: the last, 4, counts;
    two answers at one month at the same time, 8 then 3: the later saved, 3, counts; not relieved
    (3 > 4 − 2). P3 no score, answered 6 then 10 before the cement (10 counts) and 1 after it (not a
    baseline); 7 at one month, relieved on the edge of the 30% rule (7 ≤ 8, 7 ≤ 0.7 × 10). P4 no baseline.
    Baselines 5, 4 and 10: median 5. One month 3, 3, 3, 7: median 3, quartiles 3 and 4 (3 + 0.25 × 4).
    Relieved 2 of the 3 with a baseline. Nobody answered at one week (no such step in this protocol).
    """
    february = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
    p1, p2, p3, p4 = (
        operated(make_procedure, ward_a, nurse_a, number=n, cement_at=february + n * dt.timedelta(days=1),
                 protocol=prom_protocol)
        for n in range(1, 5)
    )  # fmt: skip
    cement = {p: p.events.get(kind="cement_injected").at for p in (p1, p2, p3, p4)}
    for procedure, score, minutes_before in [(p1, 5, 60), (p2, 10, 120), (p2, 4, 60)]:
        PainScore.objects.create(
            procedure=procedure, score=score, recorded_at=cement[procedure] - minutes_before * MIN, source="baseline"
        )
    answered(p3, 6, cement[p3] - 180 * MIN)
    answered(p3, 10, cement[p3] - 120 * MIN)
    answered(p3, 1, cement[p3] + 120 * MIN)
    month = {p: p.milestones.get(step__code="prom_1m") for p in (p1, p2, p3, p4)}
    answered(p1, 9, month[p1].due_at - dt.timedelta(days=2), month[p1])
    answered(p1, 3, month[p1].due_at - dt.timedelta(days=1), month[p1])
    for pain in (8, 3):
        answered(p2, pain, month[p2].due_at, month[p2])
    answered(p3, 7, month[p3].due_at, month[p3])
    answered(p4, 3, month[p4].due_at, month[p4])
    return [p1, p2, p3, p4]


def test_last_answers_baselines_ties_and_the_edges_of_relief(edge_cases, nurse_a, ward_a):
    body = results(nurse_a, ward=ward_a.pk)

    assert body["pain"]["baseline_median"] == 5
    one_week, one_month = body["pain"]["by_timepoint"][:2]
    assert one_month == {
        "timepoint": "prom_1m", "answered": 4, "expected": 4, "response_rate": 1.0, "median": 3.0, "q1": 3.0,
        "q3": 4.0, "with_baseline": 3, "relief_rate": 0.667, "relief_ci95": [0.208, 0.939],
    }  # fmt: skip
    assert one_week == {
        "timepoint": "prom_1w", "answered": 0, "expected": 0, "response_rate": None, "median": None, "q1": None,
        "q3": None, "with_baseline": 0, "relief_rate": None, "relief_ci95": None,
    }  # fmt: skip


def test_the_export_has_the_same_last_answers_and_baselines(edge_cases, client, nurse_a, ward_a):
    client.force_login(nurse_a)

    response = client.get(f"/wards/{ward_a.pk}/outcomes.csv", {"from": "2026-01-01", "to": "2026-03-31"})

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["pain_baseline"], row["pain_1w"], row["pain_1m"]) for row in rows] == [
        ("5.0", "", "3.0"), ("4.0", "", "3.0"), ("10.0", "", "7.0"), ("", "", "3.0"),
    ]  # fmt: skip


def test_a_ward_with_no_procedure_in_the_period(nurse_a, ward_a):
    body = results(nurse_a, ward=ward_a.pk)

    assert (body["procedures"], body["pain"]["baseline_median"], body["milestones_on_time_rate"]) == (0, None, None)
    assert body["time_to_stand_minutes"] == {"median": None, "p90": None}
    assert {row["kind"]: (row["count"], row["rate"], row["ci95"]) for row in body["complications"]} == {
        kind: (0, None, None) for kind in Complication.Kind.values
    }


def test_the_response_has_the_issues_shape(ward_data, nurse_a, ward_a):
    body = results(nurse_a, ward=ward_a.pk)

    # The issue's example, key for key; the API may add keys, never rename one.
    assert list(body) == ["procedures", "pain", "complications", "time_to_stand_minutes", "milestones_on_time_rate",
                          "staff_acknowledgement_seconds", "references"]  # fmt: skip
    assert isinstance(body["procedures"], int) and list(body["pain"]) == ["baseline_median", "by_timepoint"]
    assert isinstance(body["pain"]["baseline_median"], int | float)
    assert [row["timepoint"] for row in body["pain"]["by_timepoint"]] == TIMEPOINTS
    one_month = body["pain"]["by_timepoint"][1]
    assert {"timepoint", "answered", "median", "q1", "q3", "relief_rate", "relief_ci95"} <= set(one_month)
    assert isinstance(one_month["answered"], int)
    assert all(isinstance(one_month[key], float) for key in ("median", "q1", "q3", "relief_rate"))
    assert len(one_month["relief_ci95"]) == 2 and all(isinstance(x, float) for x in one_month["relief_ci95"])
    # Every kind of complication, in the order of their list, zero counts included.
    assert [row["kind"] for row in body["complications"]] == Complication.Kind.values
    for row in body["complications"]:
        assert list(row) == ["kind", "count", "rate", "ci95"] and isinstance(row["count"], int)
        assert isinstance(row["rate"], float) and [type(x) for x in row["ci95"]] == [float, float]
    assert body["complications"][1] == {"kind": "neuro_deficit", "count": 0, "rate": 0.0, "ci95": [0.0, 0.49]}
    for key in ("time_to_stand_minutes", "staff_acknowledgement_seconds"):
        assert list(body[key]) == ["median", "p90"] and all(isinstance(x, int) for x in body[key].values())
    assert isinstance(body["milestones_on_time_rate"], float)
    for reference in body["references"]:
        assert list(reference) == ["measure", "value", "source"] and all(isinstance(x, str) for x in reference.values())


def test_time_to_stand_and_the_day_across_the_change_to_winter_time(
    clock, make_procedure, ward_a, nurse_a, prom_protocol
):
    # Paris goes back from UTC+2 to UTC+1 at 03:00 on 25 October 2026. Cement at 22:00 on the 24th
    # (20:00 UTC), up at 09:00 on the 25th (08:00 UTC): 11 hours on the clock, 12 hours (720 min) lived.
    # The 25th lasts 25 hours, from 22:00 UTC on the 24th to 23:00 UTC on the 25th: of cements at
    # 20:00, 22:00 and 22:30 UTC on the 24th and 23:00 UTC on the 25th, the middle two are on the 25th.
    clock.move_to(dt.datetime(2026, 11, 2, 12, 0, tzinfo=dt.UTC))
    cements = [(24, 20, 0), (24, 22, 0), (25, 22, 30), (25, 23, 0)]
    first, *_ = (
        operated(make_procedure, ward_a, nurse_a, number=n, protocol=prom_protocol,
                 cement_at=dt.datetime(2026, 10, day, hour, minute, tzinfo=dt.UTC))
        for n, (day, hour, minute) in enumerate(cements, start=1)
    )  # fmt: skip
    stood(first, nurse_a, 720)

    weekend = results(nurse_a, ward=ward_a.pk, **{"from": "2026-10-24", "to": "2026-10-25"})
    sunday = results(nurse_a, ward=ward_a.pk, **{"from": "2026-10-25", "to": "2026-10-25"})

    assert weekend["time_to_stand_minutes"] == {"median": 720, "p90": 720}
    assert (weekend["procedures"], sunday["procedures"]) == (3, 2)


def test_the_number_of_queries_is_the_same_for_one_procedure_and_for_many(
    make_procedure, ward_a, nurse_a, prom_protocol, django_assert_num_queries
):
    february = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
    first = operated(make_procedure, ward_a, nurse_a, number=1, cement_at=february, protocol=prom_protocol)
    answer_1m(first, 3)
    with django_assert_num_queries(5) as one:  # the ward, then pain, milestones, complications, acknowledgements
        results(nurse_a, ward=ward_a.pk)
    for n in range(2, 8):
        procedure = operated(make_procedure, ward_a, nurse_a, number=n, protocol=prom_protocol,
                             cement_at=february + n * dt.timedelta(days=1))  # fmt: skip
        answer_1m(procedure, n)
        report_complication(procedure=procedure, kind="infection", severity="mild", noted_at=february, by=nurse_a)

    with django_assert_num_queries(len(one.captured_queries)):
        assert results(nurse_a, ward=ward_a.pk)["procedures"] == 7


def test_bad_filters_on_the_export_are_a_400_naming_them(client, nurse_a, ward_a):
    client.force_login(nurse_a)

    response = client.get(f"/wards/{ward_a.pk}/outcomes.csv", {"from": "2026-02-30", "kind": "surgery"})

    assert response.status_code == 400
    assert set(response.json()) == {"from", "kind"}


def test_the_reference_band_spans_the_published_range():
    chart = charts.rate_chart([("Cement leakage", 0.5, [0.15, 0.85])], (0.01, 0.05))
    single = charts.rate_chart([("1 month", 0.667, None)], (0.98, 0.98))

    x, width = chart.reference
    assert (x, x + width) == pytest.approx((charts.x_of_rate(0.01), charts.x_of_rate(0.05)))
    assert single.reference == pytest.approx((charts.x_of_rate(0.98), 2))
