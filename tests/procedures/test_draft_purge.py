"""The patient's unsent answers to a step are deleted once the step is no longer awaited (procedures.tasks)."""

import datetime as dt

import time_machine

from procedures.models import ResponseDraft
from procedures.tasks import purge_closed_drafts
from procedures.timeline import record_event

CEMENT = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)


def test_drafts_of_completed_cancelled_and_missed_steps_are_purged_and_open_ones_kept(make_procedure, nurse_a):
    procedure = make_procedure(scheduled_at=CEMENT - dt.timedelta(hours=1))
    with time_machine.travel(CEMENT, tick=False) as clock:
        record_event(procedure=procedure, kind="started", at=CEMENT - dt.timedelta(minutes=10), by=nurse_a)
        record_event(procedure=procedure, kind="cement_injected", at=CEMENT, by=nurse_a)
        completed, cancelled, missed, open_, closing_later = procedure.milestones.order_by("pk")[:5]
        completed.completed_at = CEMENT
        cancelled.cancelled_at = CEMENT
        missed.closes_at = CEMENT + dt.timedelta(hours=1)
        closing_later.closes_at = CEMENT + dt.timedelta(hours=3)
        open_.completed_at = open_.cancelled_at = open_.closes_at = None
        for milestone in (completed, cancelled, missed, open_, closing_later):
            milestone.save()
            ResponseDraft.objects.create(milestone=milestone, answers={"pain_rest": 4})
        clock.move_to(CEMENT + dt.timedelta(hours=2))

        assert purge_closed_drafts.apply().result == 3

    kept = set(ResponseDraft.objects.values_list("milestone", flat=True))
    assert kept == {open_.pk, closing_later.pk}
