"""Each procedure's pain summary (what the results count) stays equal to what its records give, after every write."""

import datetime as dt
import importlib
import threading
import time

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from outcomes.models import PainSummary
from outcomes.summary import TIMEPOINTS, computed, refresh
from procedures.models import PainScore, Procedure
from procedures.questionnaires import fill_pain_rest
from procedures.recording import record_pain_score
from procedures.timeline import record_event
from procedures.transfers import transfer_patient
from tests.outcomes.test_results import (  # noqa: F401 (clock, prom_protocol: fixtures)
    MIN,
    answer_1m,
    answered,
    clock,
    operated,
    prom_protocol,
    results,
)

CEMENT = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def procedure(make_procedure, ward_a, nurse_a, prom_protocol):  # noqa: F811
    return operated(make_procedure, ward_a, nurse_a, number=1, cement_at=CEMENT, protocol=prom_protocol)


def month(procedure):
    return procedure.milestones.get(step__code="prom_1m")


def check(procedure, **expected) -> None:
    """The summary kept holds `expected` (the rest None), and so does a computation from the records."""
    expected = dict.fromkeys(["baseline", *TIMEPOINTS]) | expected
    kept = PainSummary.objects.filter(procedure=procedure).values("baseline", *TIMEPOINTS).get()
    assert kept == expected
    assert computed(Procedure.objects.filter(pk=procedure.pk))[procedure.pk] == expected


def test_a_procedure_without_answers_has_an_empty_summary(procedure):
    check(procedure)


def test_recording_a_baseline_score_and_an_answer(procedure, nurse_a, ward_a):
    record_pain_score(
        procedure=procedure, score=7, recorded_at=CEMENT - 30 * MIN, source="baseline", by=nurse_a, now=CEMENT
    )
    answer_1m(procedure, 3)

    check(procedure, baseline=7.0, prom_1m=3.0)
    one_month = results(nurse_a, ward=ward_a.pk)["pain"]["by_timepoint"][1]
    assert (one_month["median"], one_month["with_baseline"], one_month["relief_rate"]) == (3.0, 1, 1.0)


def test_a_score_that_is_not_a_baseline_changes_nothing(procedure, nurse_a):
    record_pain_score(procedure=procedure, score=9, recorded_at=CEMENT + 60 * MIN, source="staff", by=nurse_a)

    check(procedure)


def test_a_texted_score_fills_pain_at_rest_and_a_later_text_replaces_it(procedure):
    due = month(procedure).due_at

    fill_pain_rest(procedure=procedure, score=4, at=due - dt.timedelta(days=2))
    check(procedure, prom_1m=4.0)
    fill_pain_rest(procedure=procedure, score=2, at=due - dt.timedelta(days=1))
    check(procedure, prom_1m=2.0)


def test_a_response_edited_replaced_then_deleted(procedure):
    milestone = month(procedure)
    first = answered(procedure, 5, milestone.due_at - dt.timedelta(days=2), milestone)
    check(procedure, prom_1m=5.0)

    first.answers = {**first.answers, "pain_rest": 2}
    first.save()
    check(procedure, prom_1m=2.0)

    later = answered(procedure, 6, milestone.due_at - dt.timedelta(days=1), milestone)
    check(procedure, prom_1m=6.0)
    later.delete()
    check(procedure, prom_1m=2.0)
    first.delete()
    check(procedure)


def test_an_edit_undone_from_the_history_is_undone_in_the_summary(procedure):
    milestone = month(procedure)
    response = answered(procedure, 5, milestone.due_at, milestone)
    response.answers = {**response.answers, "pain_rest": 1}
    response.save()
    check(procedure, prom_1m=1.0)

    response.history.earliest().instance.save()  # the admin's "revert to this version"

    check(procedure, prom_1m=5.0)


def test_a_deleted_baseline_score_falls_back_to_the_answer_before_the_cement(procedure):
    answered(procedure, 8, CEMENT - 120 * MIN)
    check(procedure, baseline=8.0)
    score = PainScore.objects.create(procedure=procedure, score=6, recorded_at=CEMENT - 60 * MIN, source="baseline")
    check(procedure, baseline=6.0)

    score.delete()

    check(procedure, baseline=8.0)


def test_a_corrected_cement_time_moves_an_answer_into_the_baseline(procedure, nurse_a):
    answered(procedure, 9, CEMENT + 30 * MIN)  # after the cement: not a baseline
    check(procedure)

    record_event(procedure=procedure, kind="cement_injected", at=CEMENT + 60 * MIN, by=nurse_a)

    check(procedure, baseline=9.0)


def test_deleting_a_milestone_unlinks_its_answers_from_the_time_point(procedure):
    answer_1m(procedure, 3)
    check(procedure, prom_1m=3.0)

    month(procedure).delete()

    check(procedure)


def test_a_transfer_takes_the_procedure_to_the_other_wards_results(procedure, nurse_a, ward_a, ward_b, nurse_b):
    answer_1m(procedure, 3)

    transfer_patient(patient=procedure.patient, ward=ward_b, by=nurse_a)

    check(procedure, prom_1m=3.0)
    assert results(nurse_a, ward=ward_a.pk)["procedures"] == 0
    moved = results(nurse_b, ward=ward_b.pk)
    assert (moved["procedures"], moved["pain"]["by_timepoint"][1]["answered"]) == (1, 1)


def test_deleting_a_procedure_takes_its_summary_along(procedure):
    answer_1m(procedure, 3)
    PainScore.objects.create(procedure=procedure, score=6, recorded_at=CEMENT - 60 * MIN, source="baseline")

    procedure.delete()

    assert not PainSummary.objects.exists()


def test_the_data_migration_computes_the_summaries_of_the_procedures_before_it(
    procedure, make_procedure, ward_a, nurse_a, django_assert_max_num_queries
):
    procedures = [procedure] + [
        operated(
            make_procedure, ward_a, nurse_a, number=n, cement_at=CEMENT + n * 60 * MIN, protocol=procedure.protocol
        )
        for n in range(2, 4)
    ]
    for number, operated_one in enumerate(procedures):
        answered(operated_one, 10 - number, operated_one.events.get(kind="cement_injected").at - 60 * MIN)
        answer_1m(operated_one, number)
    kept = list(PainSummary.objects.order_by("pk").values())
    PainSummary.objects.all().delete()  # as before the migration

    migration = importlib.import_module("outcomes.migrations.0002_fill_pain_summaries")
    with django_assert_max_num_queries(4):  # the procedures' ids, then a lock, a computation and an upsert for all
        migration.fill(apps, None)

    assert list(PainSummary.objects.order_by("pk").values()) == kept
    assert [row["prom_1m"] for row in kept] == [0.0, 1.0, 2.0]


def test_keeping_a_summary_costs_three_queries_a_write(procedure, django_assert_num_queries):
    with django_assert_num_queries(3):  # the lock of the procedure, the computation from the records, the upsert
        refresh([procedure.pk])


def test_the_export_reads_the_same_number_of_queries_for_one_procedure_and_for_many(
    procedure,
    make_procedure,
    client,
    nurse_a,
    ward_a,
    django_assert_num_queries,
):
    client.force_login(nurse_a)

    def export():
        response = client.get(f"/wards/{ward_a.pk}/outcomes.csv", {"from": "2026-01-01", "to": "2026-03-31"})
        return b"".join(response.streaming_content).decode().splitlines()

    answer_1m(procedure, 3)
    export()  # the session's first request reads more
    with CaptureQueriesContext(connection) as one:
        assert len(export()) == 2
    for n in range(2, 6):
        other = operated(
            make_procedure, ward_a, nurse_a, number=n, cement_at=CEMENT + n * MIN, protocol=procedure.protocol
        )
        answer_1m(other, n)
    with django_assert_num_queries(len(one.captured_queries)):
        assert len(export()) == 6


def wait_for_a_lock_wait(deadline_seconds: float = 30) -> None:
    """Until a connection to this database waits on a lock (PostgreSQL's own view of its sessions)."""
    deadline = time.monotonic() + deadline_seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("No connection came to wait on a lock.")


@pytest.mark.django_db(transaction=True)
def test_two_writers_in_two_transactions_do_not_lose_one_another(procedure):
    """The second writer computes while the first has not committed: it waits for the first (the procedure's
    lock), then sees its answer, the later one, which counts. Without the lock it would write its own alone."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lets one writer at a time in.")
    milestone = month(procedure)
    first_saved, go = threading.Event(), threading.Event()
    errors = []

    def write(pain: int, at: dt.datetime, hold: bool) -> None:
        try:
            with transaction.atomic():
                answered(procedure, pain, at, milestone)
                if hold:
                    first_saved.set()
                    assert go.wait(timeout=30)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    first = threading.Thread(target=write, args=(5, milestone.due_at, True))
    second = threading.Thread(target=write, args=(6, milestone.due_at - dt.timedelta(days=1), False))
    first.start()
    assert first_saved.wait(timeout=30)
    second.start()
    wait_for_a_lock_wait()
    go.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert not errors
    check(procedure, prom_1m=5.0)
