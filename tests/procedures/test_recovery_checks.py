"""The recovery checks of the default protocol's version 2: anchored on the scheduled time and the cement,
windows that close, `missed`, and a scheduled time that moves."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Reminder
from procedures.models import ApiToken, Milestone, Protocol, Questionnaire
from procedures.questionnaires import record_response
from procedures.timeline import record_event, update_scheduled_procedure

pytestmark = pytest.mark.usefixtures("clock")

NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
SCHEDULED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
GOOD = {"pain_rest": 7, "pain_activity": 8, "analgesics": "every_day", "mobility": "indoors", "falls": False}


@pytest.fixture
def version_2(db) -> Protocol:
    protocol = Protocol.objects.get(code="vertebral-augmentation", version=2)
    protocol.publish()
    return protocol


def test_version_2_ships_published_with_the_recovery_checks_of_studies(db):
    protocol = Protocol.objects.get(code="vertebral-augmentation", version=2)
    checks = protocol.steps.filter(records="questionnaire").order_by("order")

    assert protocol.is_published  # by migration 0017
    assert Protocol.objects.current("vertebral-augmentation") == protocol
    assert list(checks.values_list("code", "anchor", "audience")) == [
        ("prom_baseline", "scheduled", "staff"), ("prom_1w", "cement_injected", "patient"),
        ("prom_1m", "cement_injected", "patient"), ("prom_3m", "cement_injected", "patient"),
        ("prom_6m", "cement_injected", "patient"), ("prom_12m", "cement_injected", "patient"),
    ]  # fmt: skip
    assert {step.questionnaire for step in checks} == {Questionnaire.objects.current("recovery-check")}
    assert protocol.steps.count() == Protocol.objects.get(code="vertebral-augmentation", version=1).steps.count() + 6


def test_the_check_before_the_procedure_is_planned_when_it_is_scheduled_and_moves_with_it(
    make_procedure, nurse_a, version_2
):
    procedure = make_procedure(scheduled_at=SCHEDULED)
    baseline = procedure.milestones.get(step__code="prom_baseline")

    assert (baseline.due_at, baseline.window_opens_at) == (SCHEDULED, SCHEDULED - dt.timedelta(days=7))
    assert baseline.closes_at == SCHEDULED + dt.timedelta(hours=12)

    update_scheduled_procedure(procedure=procedure, by=nurse_a, scheduled_at=SCHEDULED + dt.timedelta(days=1))

    baseline.refresh_from_db()
    assert baseline.due_at == SCHEDULED + dt.timedelta(days=1)


def test_a_procedure_that_has_begun_is_not_rescheduled(make_procedure, nurse_a, version_2):
    procedure = make_procedure(scheduled_at=SCHEDULED)
    record_event(procedure=procedure, kind="started", at=NOW, by=nurse_a)

    with pytest.raises(ValidationError) as refused:
        update_scheduled_procedure(procedure=procedure, by=nurse_a, scheduled_at=SCHEDULED + dt.timedelta(days=1))

    assert "status" in refused.value.message_dict


def test_the_one_month_check_opens_3_days_before_at_10_local_and_is_missed_3_weeks_after(
    make_procedure, nurse_a, version_2, clock
):
    procedure = make_procedure(scheduled_at=SCHEDULED)
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=10), by=nurse_a)
    one_month = procedure.milestones.get(step__code="prom_1m")

    # 2 April 2026 10:00 in Paris (summer time since 29 March) is 08:00 UTC.
    assert one_month.due_at == dt.datetime(2026, 4, 2, 8, 0, tzinfo=dt.UTC)
    assert one_month.window_opens_at == one_month.due_at - dt.timedelta(days=3)
    assert one_month.status_at(one_month.closes_at - dt.timedelta(seconds=1)) == Milestone.Status.OVERDUE
    assert one_month.status_at(one_month.closes_at) == Milestone.Status.MISSED
    annotated = Milestone.objects.with_status(one_month.closes_at).get(pk=one_month.pk)
    assert annotated.current_status == Milestone.Status.MISSED
    assert not Milestone.objects.awaited(one_month.closes_at).filter(pk=one_month.pk).exists()


def test_a_missed_check_can_no_longer_be_answered_for_its_step(make_procedure, nurse_a, version_2, clock):
    procedure = make_procedure(scheduled_at=SCHEDULED)
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=10), by=nurse_a)
    one_week = procedure.milestones.get(step__code="prom_1w")
    clock.move_to(one_week.closes_at + dt.timedelta(hours=1))

    with pytest.raises(ValidationError, match="closed"):
        record_response(
            procedure=procedure, questionnaire=one_week.step.questionnaire, answers=GOOD, source="patient",
            authored_at=one_week.closes_at + dt.timedelta(minutes=30), milestone=one_week,
        )  # fmt: skip
    assert procedure.responses.count() == 0


def publish_migration():
    return importlib.import_module("procedures.migrations.0019_publish_default_protocol_v2")


def test_publishing_keeps_the_version_of_procedures_already_scheduled(make_procedure, nurse_a):
    """As on a hospital's database: procedures scheduled on version 1 before the migration ran keep it."""
    Protocol.objects.filter(code="vertebral-augmentation", version=2).update(published_at=None)
    before = make_procedure(scheduled_at=SCHEDULED)

    publish_migration().publish(apps, None)
    after = make_procedure(scheduled_at=SCHEDULED)

    before.refresh_from_db()
    assert (before.protocol.version, after.protocol.version) == (1, 2)
    assert not before.milestones.filter(step__code="prom_baseline").exists()
    assert after.milestones.filter(step__code="prom_baseline").exists()


def test_a_site_s_own_version_2_is_not_published_by_the_migration(db):
    second = Protocol.objects.get(code="vertebral-augmentation", version=2)
    Protocol.objects.filter(pk=second.pk).update(published_at=None)
    second.steps.filter(code__startswith="prom_").delete()  # not the shipped checks: the site's own draft

    publish_migration().publish(apps, None)

    second.refresh_from_db()
    assert not second.is_published
    assert Protocol.objects.current("vertebral-augmentation").version == 1


def test_a_missed_check_shows_as_missed_in_the_api_the_chart_its_timeline_and_fhir(
    make_procedure, nurse_a, client, clock
):
    procedure = make_procedure(scheduled_at=SCHEDULED)
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=10), by=nurse_a)
    one_week = procedure.milestones.get(step__code="prom_1w")
    clock.move_to(one_week.closes_at + dt.timedelta(hours=1))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.issue(user=nurse_a)[1]}")
    client.force_login(nurse_a)

    timeline = {
        m["code"]: m["status"] for m in api.get(f"/api/procedures/{procedure.pk}/timeline/").json()["milestones"]
    }
    chart = client.get(reverse("ward:patient", args=[procedure.patient.pk])).content.decode()
    bundle = api.get(f"/api/procedures/{procedure.pk}/fhir/").json()

    assert (timeline["prom_1w"], timeline["prom_1m"], timeline["prom_baseline"]) == ("missed", "pending", "missed")
    row = re.search(rf'<tr class="is-missed" id="milestone-{one_week.pk}">(.*?)</tr>', chart, re.S)
    assert row and 'class="badge missed"' in row[1] and "Missed" in row[1]
    assert re.search(
        r'<g class="mark milestone is-missed">\s*<title>Recovery check \(1 week\): [^<]*\(missed\s*\)', chart
    )
    [plan] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    activities = {a["detail"]["code"]["coding"][0]["code"]: a["detail"] for a in plan["activity"]}
    assert (activities["prom_1w"]["status"], activities["prom_1w"]["statusReason"]) == ("stopped", {"text": "missed"})
    tasks = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]["status"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Task"
    }
    assert tasks["prom_baseline"] == "failed"  # the ward's check before the procedure, not answered either


def test_the_check_before_the_procedure_closes_when_the_cement_goes_in(make_procedure, nurse_a, clock):
    """A baseline answered after the cement would not tell the pain before it: the step is missed from then,
    not overdue on the board for 12 hours, and its staff reminder is not sent."""
    procedure = make_procedure(scheduled_at=NOW - dt.timedelta(hours=2))  # due 06:00, overdue from 07:00
    baseline = procedure.milestones.get(step__code="prom_baseline")
    assert baseline.closes_at == NOW + dt.timedelta(hours=10)
    cement = NOW - dt.timedelta(minutes=10)

    record_event(procedure=procedure, kind="cement_injected", at=cement, by=nurse_a)

    baseline.refresh_from_db()
    assert baseline.closes_at == cement
    assert baseline.status_at(NOW) == Milestone.Status.MISSED
    assert not Reminder.objects.filter(milestone=baseline, status="scheduled").exists()
    # The cement time corrected to later: the window follows it (never past its own 12 hours).
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=5), by=nurse_a)
    baseline.refresh_from_db()
    assert baseline.closes_at == NOW - dt.timedelta(minutes=5)
