"""Pain scores, observation checks and complications: validation, milestones, red flags."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from procedures.models import ObservationCheck, PainScore, Questionnaire
from procedures.questionnaires import record_response
from procedures.recording import record_observations, record_pain_score, report_complication
from procedures.signals import red_flag_raised
from procedures.timeline import record_event
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")

NORMAL = {
    "systolic_bp": 130, "diastolic_bp": 80, "pulse": 72, "spo2": 97, "temperature": Decimal("36.8"),
    "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "clean", "bladder": "normal",
}  # fmt: skip


def ago(**delta) -> dt.datetime:
    return NOW - dt.timedelta(**delta)


@pytest.fixture
def flags():
    """The red flags raised during the test, as (kind, summary)."""
    raised = []

    def receive(sender, flag, **kwargs):
        raised.append((flag.kind, flag.summary))

    red_flag_raised.connect(receive)
    yield raised
    red_flag_raised.disconnect(receive)


@pytest.fixture
def recovering(procedure, nurse_a):
    """Baseline pain 6 before the procedure; cement 3 hours ago; ended 2 h 50 min ago."""
    record_pain_score(procedure=procedure, score=6, recorded_at=ago(hours=4), source="baseline", by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=ago(hours=3), by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=ago(hours=2, minutes=50), by=nurse_a)
    return procedure


def observe(procedure, nurse, **changes):
    return record_observations(procedure=procedure, values=NORMAL | changes, recorded_at=ago(minutes=1), by=nurse)


def test_normal_observations_raise_no_flag(recovering, nurse_a, flags):
    check = observe(recovering, nurse_a, pain=3)

    assert check.pk and check.pain.score == 3
    assert flags == []


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"spo2": 89}, ("vital_signs", "SpO2 (%) 89")),
        ({"temperature": Decimal("38.0")}, ("vital_signs", "Temperature (°C) 38.0")),
        ({"systolic_bp": 85, "pulse": 125}, ("vital_signs", "Systolic BP (mmHg) 85, Pulse (/min) 125")),
        ({"leg_strength": "changed"}, ("neuro_deficit", "Leg strength or sensation changed")),
        ({"bladder": "retention"}, ("neuro_deficit", "Bladder: retention")),
        ({"puncture_site": "haematoma"}, ("haematoma", "Puncture site: haematoma")),
        ({"puncture_site": "inflamed"}, ("infection", "Puncture site red, swollen or discharging")),
        ({"pain": 8}, ("pain_above_baseline", "Pain 8/10, baseline 6/10")),
    ],
)
def test_each_red_flag_in_an_observation_check_is_raised(recovering, nurse_a, flags, changes, flag):
    observe(recovering, nurse_a, **changes)

    assert flags == [flag]


def test_a_complication_is_always_a_red_flag(recovering, nurse_a, flags):
    complication = report_complication(
        procedure=recovering, kind="cement_leakage", severity="moderate", noted_at=ago(minutes=5), by=nurse_a,
        description="Leak towards the foramen on the control image", actions_taken="Doctor called",
    )  # fmt: skip

    assert complication.pk
    assert flags == [("cement_leakage", "Cement leakage (moderate)")]


def discharge(procedure, nurse, *, days_ago: float) -> None:
    """Baseline 6, cement a day before discharge, discharged `days_ago`."""
    injected = ago(days=days_ago + 1)
    record_pain_score(procedure=procedure, score=6, recorded_at=injected - dt.timedelta(hours=1), source="baseline")
    for kind, at in [("cement_injected", injected), ("ended", injected), ("discharged", ago(days=days_ago))]:
        record_event(procedure=procedure, kind=kind, at=at, by=nurse)


def test_pain_still_at_baseline_days_after_discharge_asks_for_a_review(procedure, nurse_a, flags):
    discharge(procedure, nurse_a, days_ago=3.01)

    record_pain_score(procedure=procedure, score=6, recorded_at=ago(minutes=2), source="patient")
    record_pain_score(procedure=procedure, score=5, recorded_at=ago(minutes=1), source="patient")

    assert flags == [("pain_not_improving", "Pain 6/10 still at baseline 3 days after discharge")]


def test_pain_at_baseline_before_the_review_day_is_no_flag(procedure, nurse_a, flags):
    discharge(procedure, nurse_a, days_ago=2.9)

    record_pain_score(procedure=procedure, score=6, recorded_at=ago(minutes=1), source="patient")

    assert flags == []


def test_without_a_baseline_pain_raises_no_flag(procedure, nurse_a, flags):
    record_pain_score(procedure=procedure, score=9, recorded_at=ago(minutes=1), source="staff", by=nurse_a)

    assert flags == []


def test_the_baseline_may_be_the_pain_at_rest_of_the_recovery_check_before_the_cement(procedure, nurse_a, flags):
    """Protocol 2 asks for the pain before the procedure in its recovery check, not as a baseline score."""
    answers = {"pain_rest": 7, "pain_activity": 9, "analgesics": "every_day", "mobility": "indoors", "falls": False}
    record_response(
        procedure=procedure, questionnaire=Questionnaire.objects.current("recovery-check"), answers=answers,
        authored_at=ago(hours=4), source="staff", by=nurse_a,
    )  # fmt: skip
    record_event(procedure=procedure, kind="cement_injected", at=ago(hours=3), by=nurse_a)

    record_pain_score(procedure=procedure, score=7, recorded_at=ago(minutes=2), source="staff", by=nurse_a)
    assert flags == []
    record_pain_score(procedure=procedure, score=9, recorded_at=ago(minutes=1), source="staff", by=nurse_a)
    assert flags == [("pain_above_baseline", "Pain 9/10, baseline 7/10")]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"spo2": 140}, "spo2", "less than or equal to 100"),
        ({"pulse": 0}, "pulse", "greater than or equal to 20"),
        ({"temperature": Decimal("50.0")}, "temperature", "less than or equal to 45"),
        ({"leg_strength": "weak"}, "leg_strength", "not a valid choice"),
        ({"pain": 11}, "score", "less than or equal to 10"),
    ],
)
def test_implausible_observations_are_refused_and_nothing_is_saved(recovering, nurse_a, flags, changes, field, words):
    with pytest.raises(ValidationError) as refused:
        observe(recovering, nurse_a, **changes)

    assert words in refused.value.message_dict[field][0]
    assert not ObservationCheck.objects.exists()
    assert PainScore.objects.count() == 1  # the baseline


def test_a_time_in_the_future_is_refused(recovering, nurse_a):
    with pytest.raises(ValidationError) as refused:
        record_pain_score(procedure=recovering, score=2, recorded_at=NOW + dt.timedelta(hours=1), source="staff")

    assert "in the future" in refused.value.message_dict["recorded_at"][0]


def test_a_baseline_comes_before_the_cement(recovering, nurse_a):
    with pytest.raises(ValidationError) as refused:
        record_pain_score(procedure=recovering, score=2, recorded_at=ago(minutes=1), source="baseline", by=nurse_a)

    assert "before the cement injection" in refused.value.message_dict["source"][0]


def test_observations_at_an_obs_milestone_complete_it(recovering, nurse_a):
    obs_1 = recovering.milestones.get(step__code="obs_1")

    check = record_observations(
        procedure=recovering, values=NORMAL, recorded_at=ago(minutes=1), by=nurse_a, milestone=obs_1, note="Fine"
    )

    obs_1.refresh_from_db()
    assert (obs_1.completed_by, obs_1.note, check.milestone) == (nurse_a, "Fine", obs_1)


def test_observations_cannot_complete_a_milestone_that_takes_none(recovering, nurse_a):
    xray = recovering.milestones.get(step__code="xray_control")

    with pytest.raises(ValidationError) as refused:
        record_observations(procedure=recovering, values=NORMAL, recorded_at=ago(minutes=1), by=nurse_a, milestone=xray)

    assert "does not take an observation check" in refused.value.message_dict["milestone"][0]


def test_observations_too_early_for_their_milestone_save_nothing(recovering, nurse_a, flags):
    stand = recovering.milestones.get(step__code="may_stand")

    with pytest.raises(ValidationError) as refused:
        record_observations(
            procedure=recovering, values=NORMAL | {"spo2": 88}, recorded_at=ago(minutes=1), by=nurse_a, milestone=stand
        )

    assert "cannot be done before" in refused.value.message_dict["note"][0]
    assert not ObservationCheck.objects.exists()


def test_nothing_is_recorded_on_a_cancelled_procedure(recovering, nurse_a):
    record_event(procedure=recovering, kind="cancelled", at=ago(minutes=1), by=nurse_a)

    with pytest.raises(ValidationError, match="cancelled"):
        observe(recovering, nurse_a)
