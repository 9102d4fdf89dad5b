"""Milestone status over time, and completing milestones."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from procedures.models import Milestone
from procedures.timeline import UNDO_WINDOW, complete_milestone, record_event, undo_completion

INJECTED = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def hardened(procedure, nurse_a) -> Milestone:
    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a, now=INJECTED)
    return procedure.milestones.get(step__code="cement_hardened")


@pytest.mark.parametrize(
    ("minutes_after_injection", "status"),
    [(0, "pending"), (7.99, "pending"), (8, "due"), (10, "due"), (14.99, "due"), (15, "overdue"), (600, "overdue")],
)
def test_status_follows_the_window_the_due_time_and_the_overdue_margin(hardened, minutes_after_injection, status):
    # cement_hardened: window opens at C + 8 min, due at C + 10 min, overdue 5 min later.
    now = INJECTED + minutes_after_injection * MIN

    assert hardened.status_at(now) == status
    assert Milestone.objects.with_status(now).get(pk=hardened.pk).current_status == status


def test_completing_records_who_when_and_the_note(hardened, nurse_a):
    now = INJECTED + 9 * MIN

    complete_milestone(milestone=hardened, by=nurse_a, note="Patient moved flat", now=now)

    hardened.refresh_from_db()
    assert (hardened.completed_at, hardened.completed_by, hardened.note) == (now, nurse_a, "Patient moved flat")
    assert hardened.status_at(now + 60 * MIN) == Milestone.Status.COMPLETED


def test_a_milestone_cannot_be_completed_before_its_window_opens(procedure, hardened, nurse_a):
    stand = procedure.milestones.get(step__code="may_stand")

    with pytest.raises(ValidationError) as refused:
        complete_milestone(milestone=stand, by=nurse_a, now=INJECTED + 11 * 60 * MIN)

    assert "cannot be done before 2026-02-10 21:00 CET" in refused.value.message_dict["note"][0]
    stand.refresh_from_db()
    assert stand.completed_at is None


def test_a_milestone_is_completed_only_once(hardened, nurse_a, nurse_b):
    complete_milestone(milestone=hardened, by=nurse_a, now=INJECTED + 9 * MIN)

    with pytest.raises(ValidationError, match="Already completed"):
        complete_milestone(milestone=hardened, by=nurse_b, now=INJECTED + 10 * MIN)

    hardened.refresh_from_db()
    assert hardened.completed_by == nurse_a


def test_a_cancelled_milestone_cannot_be_completed(procedure, hardened, nurse_a):
    record_event(procedure=procedure, kind="cancelled", at=INJECTED + MIN, by=nurse_a, now=INJECTED + MIN)

    with pytest.raises(ValidationError, match="cancelled"):
        complete_milestone(milestone=hardened, by=nurse_a, now=INJECTED + 9 * MIN)


def test_a_completion_can_be_undone_by_its_author_within_the_undo_window(hardened, nurse_a):
    complete_milestone(milestone=hardened, by=nurse_a, note="Wrong patient", now=INJECTED + 9 * MIN)

    undo_completion(milestone=hardened, by=nurse_a, now=INJECTED + 14 * MIN)

    hardened.refresh_from_db()
    assert (hardened.completed_at, hardened.completed_by, hardened.note) == (None, None, "")
    assert hardened.status_at(INJECTED + 14 * MIN) == Milestone.Status.DUE
    assert [h.completed_by_id for h in hardened.history.order_by("history_date")] == [None, nurse_a.pk, None]


def test_a_completion_cannot_be_undone_after_the_undo_window(hardened, nurse_a):
    complete_milestone(milestone=hardened, by=nurse_a, now=INJECTED + 9 * MIN)

    with pytest.raises(ValidationError) as refused:
        undo_completion(milestone=hardened, by=nurse_a, now=INJECTED + 9 * MIN + UNDO_WINDOW + dt.timedelta(seconds=1))

    assert "could be undone for 5 minutes" in refused.value.message_dict["note"][0]
    hardened.refresh_from_db()
    assert hardened.completed_by == nurse_a


def test_only_the_author_can_undo_a_completion(hardened, nurse_a, admin_user):
    complete_milestone(milestone=hardened, by=nurse_a, now=INJECTED + 9 * MIN)

    with pytest.raises(ValidationError, match="Only the person who completed it"):
        undo_completion(milestone=hardened, by=admin_user, now=INJECTED + 10 * MIN)


def test_an_open_milestone_has_no_completion_to_undo(hardened, nurse_a):
    with pytest.raises(ValidationError, match="nothing to undo"):
        undo_completion(milestone=hardened, by=nurse_a, now=INJECTED + 10 * MIN)
