"""A time already stored that cannot be shown in the ward's zone never makes a page answer 500."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from notifications.models import Reminder
from notifications.patient_links import patient_link
from procedures.models import ApiToken, Event, Milestone, PainScore, Ward
from procedures.timeline import record_event
from tests.ward.conftest import NOW

YEAR_ONE = dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC)
LAST_DAY = dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)


@pytest.fixture(params=["Europe/Paris", "America/New_York"])
def broken(request, procedure, nurse_a, ward_a, patient):
    """A record written before the checks: a year-1 cement injection and milestones at the ends of time."""
    Ward.objects.filter(pk=ward_a.pk).update(timezone=request.param)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(hours=3), by=nurse_a)
    for source in ("baseline", "staff"):
        PainScore.objects.create(procedure=procedure, score=3, recorded_at=NOW, source=source, recorded_by=nurse_a)
    Event.objects.filter(procedure=procedure).update(at=YEAR_ONE)
    PainScore.objects.filter(procedure=procedure).update(recorded_at=YEAR_ONE)
    milestones = Milestone.objects.filter(procedure=procedure)
    milestones.filter(step__code="cement_hardened").update(
        due_at=YEAR_ONE, window_opens_at=YEAR_ONE, overdue_at=YEAR_ONE
    )
    milestones.exclude(step__code="cement_hardened").update(
        due_at=LAST_DAY, window_opens_at=LAST_DAY, overdue_at=LAST_DAY
    )
    Reminder.objects.filter(procedure=procedure).update(due_at=YEAR_ONE, status="sent", sent_at=YEAR_ONE)
    return procedure


def test_the_ward_pages_still_answer(broken, patient, nurse_a, client):
    client.force_login(nurse_a)
    milestone = broken.milestones.first()
    for path in [
        "/",
        f"/wards/{patient.ward_id}/live/",
        f"/patients/{patient.pk}/",
        f"/procedures/{broken.pk}/events/?kind=cement_injected",
        f"/milestones/{milestone.pk}/complete/",
    ]:
        assert client.get(path).status_code == 200, path
    assert client.get(urlsplit(patient_link(patient)).path).status_code == 200


def test_the_api_and_the_fhir_export_still_answer(broken, nurse_a):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.issue(user=nurse_a)[1]}")
    for path in [
        f"/api/procedures/{broken.pk}/timeline/",
        f"/api/procedures/{broken.pk}/events/",
        f"/api/procedures/{broken.pk}/pain-scores/",
        f"/api/procedures/{broken.pk}/fhir/",
        f"/api/notifications/?procedure={broken.pk}",
    ]:
        assert client.get(path).status_code == 200, path


def test_the_admin_still_answers(broken, admin_user, client):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    for path in [
        f"/admin/procedures/procedure/{broken.pk}/change/",
        f"/admin/procedures/procedure/{broken.pk}/history/",
        "/admin/procedures/event/",
        "/admin/procedures/milestone/",
        f"/admin/procedures/patient/{broken.patient_id}/history/",
        "/admin/notifications/reminder/",
    ]:
        assert client.get(path).status_code in (200, 302), path


def test_a_command_finds_the_rows_to_correct(broken, capsys):
    with pytest.raises(CommandError, match="stored times out of range"):
        call_command("find_impossible_times")

    listed = capsys.readouterr().out
    assert (
        f"procedures.Event {broken.events.get().pk} (procedure {broken.pk}): at = 0001-01-01T00:00:00+00:00" in listed
    )
    assert "procedures.Milestone" in listed and "procedures.PainScore" in listed


def test_the_command_is_quiet_on_a_sound_record(procedure, capsys):
    call_command("find_impossible_times")

    assert "No stored time out of range." in capsys.readouterr().out
