"""Recording events: status follows, corrections move open milestones, impossible histories are refused."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from procedures.models import Event, Milestone, Procedure
from procedures.timeline import complete_milestone, record_event
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")


def ago(minutes: int) -> dt.datetime:
    return NOW - dt.timedelta(minutes=minutes)


def record(procedure, nurse, kind, at):
    return record_event(procedure=procedure, kind=kind, at=at, by=nurse)


def snapshot(procedure) -> tuple:
    """Everything an event could change, to show that a refused one changed nothing."""
    procedure.refresh_from_db()
    return (
        procedure.status,
        sorted(Event.objects.filter(procedure=procedure).values_list("kind", "at")),
        sorted(Milestone.objects.filter(procedure=procedure).values_list("step__code", "due_at", "cancelled_at")),
        Event.history.count(),
        Milestone.history.count(),
    )


def test_status_follows_the_events(procedure, nurse_a):
    statuses = []
    for kind, minutes in [("started", 60), ("cement_injected", 50), ("ended", 40), ("discharged", 1)]:
        record(procedure, nurse_a, kind, ago(minutes))
        procedure.refresh_from_db()
        statuses.append(procedure.status)

    assert statuses == ["in_progress", "in_progress", "recovering", "discharged"]


def test_cancelling_cancels_every_open_milestone_but_keeps_completed_ones(procedure, nurse_a):
    record(procedure, nurse_a, "cement_injected", ago(120))
    hardened = procedure.milestones.get(step__code="cement_hardened")
    complete_milestone(milestone=hardened, by=nurse_a)

    record(procedure, nurse_a, "cancelled", ago(0))

    procedure.refresh_from_db()
    assert procedure.status == Procedure.Status.CANCELLED
    states = {m.step.code: m.status_at(NOW) for m in procedure.milestones.select_related("step")}
    assert states.pop("cement_hardened") == Milestone.Status.COMPLETED
    assert set(states.values()) == {Milestone.Status.CANCELLED}


def test_correcting_the_cement_time_moves_pending_milestones_and_leaves_completed_ones(procedure, nurse_a):
    record(procedure, nurse_a, "cement_injected", ago(60))
    hardened = procedure.milestones.get(step__code="cement_hardened")
    complete_milestone(milestone=hardened, by=nurse_a, note="Set")
    stand_before = procedure.milestones.get(step__code="may_stand").due_at

    record(procedure, nurse_a, "cement_injected", ago(30))

    hardened.refresh_from_db()
    assert hardened.due_at == ago(60) + dt.timedelta(minutes=10)
    assert (hardened.completed_at, hardened.note) == (NOW, "Set")
    stand = procedure.milestones.get(step__code="may_stand")
    assert stand.due_at == stand_before + dt.timedelta(minutes=30) == ago(30) + dt.timedelta(hours=12)
    assert procedure.events.get(kind="cement_injected").at == ago(30)


def test_a_correction_keeps_the_earlier_time_in_the_history(procedure, nurse_a, nurse_b):
    record(procedure, nurse_a, "cement_injected", ago(60))
    record(procedure, nurse_b, "cement_injected", ago(30))

    history = procedure.events.get(kind="cement_injected").history.order_by("history_date")
    assert [(h.at, h.history_user) for h in history] == [(ago(60), nurse_a), (ago(30), nurse_b)]


def test_recording_the_same_time_again_changes_nothing(procedure, nurse_a):
    record(procedure, nurse_a, "cement_injected", ago(60))
    before = snapshot(procedure)

    record(procedure, nurse_a, "cement_injected", ago(60))

    assert snapshot(procedure) == before


def test_cement_may_be_recorded_without_a_start(procedure, nurse_a):
    record(procedure, nurse_a, "cement_injected", ago(5))

    procedure.refresh_from_db()
    assert procedure.status == Procedure.Status.IN_PROGRESS


REFUSED = [
    # (events already recorded as kind -> minutes ago), the refused event, the field, words in the message
    ({"started": 30}, ("cement_injected", 40), "at", "must come before"),
    ({"started": 60, "cement_injected": 30}, ("ended", 40), "at", "cement injected must come before procedure ended"),
    ({"cement_injected": 60, "ended": 30}, ("discharged", 40), "at", "procedure ended must come before discharged"),
    ({"cement_injected": 60}, ("started", 10), "at", "procedure started must come before cement injected"),
    ({"cement_injected": 60, "ended": 30}, ("cement_injected", 20), "at", "must come before procedure ended"),
    ({}, ("ended", 10), "kind", "Record “cement injected” before “procedure ended”"),
    ({"cement_injected": 60}, ("discharged", 10), "kind", "Record “procedure ended” before “discharged”"),
    ({"cement_injected": 60, "cancelled": 30}, ("ended", 10), "kind", "was cancelled"),
    ({"cancelled": 30}, ("cement_injected", 10), "kind", "was cancelled"),
    ({"cancelled": 30}, ("cancelled", 10), "kind", "was cancelled"),
    ({}, ("cement_injected", -6), "at", "is in the future"),
    ({}, ("exploded", 10), "kind", "Unknown event kind"),
]


@pytest.mark.parametrize(("history", "event", "field", "words"), REFUSED)
def test_impossible_histories_are_refused_and_nothing_is_saved(procedure, nurse_a, history, event, field, words):
    for kind, minutes in history.items():
        record(procedure, nurse_a, kind, ago(minutes))
    before = snapshot(procedure)

    with pytest.raises(ValidationError) as refused:
        record(procedure, nurse_a, event[0], ago(event[1]))

    assert list(refused.value.message_dict) == [field]
    assert words in refused.value.message_dict[field][0]
    assert snapshot(procedure) == before


def test_a_time_up_to_five_minutes_ahead_is_accepted_as_clock_drift(procedure, nurse_a):
    record(procedure, nurse_a, "cement_injected", ago(-5))

    assert procedure.events.get().at == ago(-5)


def test_a_naive_time_is_refused(procedure, nurse_a):
    with pytest.raises(ValidationError) as refused:
        record(procedure, nurse_a, "cement_injected", dt.datetime(2026, 2, 10, 11, 0))

    assert "UTC offset" in refused.value.message_dict["at"][0]
    assert not procedure.events.exists()
