"""The board's short-lived shared copy (ward/board_cache.py): kept a few seconds, never past a change.

The clock is frozen (tests/ward/conftest.py): a copy would stay fresh for the whole test, so each
test below would fail if the write it makes did not start the boards afresh.
"""

import datetime as dt
import re
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.escalation import escalate_due
from notifications.models import Reminder
from procedures.models import Staff
from procedures.timeline import complete_milestone, record_event
from tests.conftest import reload_default_protocol
from tests.ward.conftest import MIN, NOW
from tests.ward.test_board import rows_of
from tests.ward.test_board_bedside import deliver_due, raise_two_flags
from tracker import board_version
from ward.board_cache import ward_board


def milestone_queries(response_maker) -> int:
    """How many queries read the milestones while making the response: the board's rows are read afresh."""
    with CaptureQueriesContext(connection) as queries:
        response_maker()
    return sum("ROW_NUMBER()" in query["sql"] for query in queries.captured_queries)  # ward.board.next_milestones


def test_a_second_look_within_the_seconds_is_served_from_the_copy(logged_in, ward_a, fill_ward):
    fill_ward(ward_a, 3)

    assert milestone_queries(lambda: logged_in.get("/")) > 0
    assert milestone_queries(lambda: logged_in.get("/")) == 0
    assert milestone_queries(lambda: logged_in.get(reverse("ward:live", args=[ward_a.pk]))) == 0


def test_the_copy_is_read_again_after_the_seconds(logged_in, ward_a, fill_ward, settings):
    fill_ward(ward_a, 1)
    logged_in.get("/")

    with time_machine.travel(NOW + dt.timedelta(seconds=settings.BOARD_CACHE_SECONDS), tick=False):
        assert milestone_queries(lambda: logged_in.get("/")) > 0
        page = logged_in.get("/").content.decode()
    assert "Updated at 14:00:03" in page  # the page says when its rows were read


def test_a_clock_set_back_reads_the_board_again(logged_in, ward_a, fill_ward):
    fill_ward(ward_a, 1)
    logged_in.get("/")

    with time_machine.travel(NOW - MIN, tick=False):
        assert milestone_queries(lambda: logged_in.get("/")) > 0


def test_an_event_recorded_shows_at_once(logged_in, ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1, minutes_ago=None)
    assert "not yet injected" in rows_of(logged_in.get("/"))[0]

    record_event(procedure=patient.procedures.get(), kind="cement_injected", at=NOW - 5 * MIN, by=nurse_a)

    assert "not yet injected" not in rows_of(logged_in.get("/"))[0]


def test_a_milestone_completed_shows_at_once(logged_in, ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1, minutes_ago=60 * 13)
    assert "Cement hardened" in rows_of(logged_in.get("/"))[0]

    hardened = patient.procedures.get().milestones.get(step__code="cement_hardened")
    complete_milestone(milestone=hardened, by=nurse_a, now=NOW)

    assert "Cement hardened" not in rows_of(logged_in.get("/"))[0]


def test_a_red_flag_raised_acknowledged_and_escalated_shows_at_once(logged_in, ward_a, nurse_a, fill_ward, settings):
    [patient] = fill_ward(ward_a, 1)
    procedure = patient.procedures.get()
    assert "(2)" not in logged_in.get("/").content.decode()

    raise_two_flags(procedure, nurse_a)
    assert "<title>(2) Board" in logged_in.get("/").content.decode()

    # Delivery (the workers' bulk UPDATE) gives each flag its escalation time.
    deliver_due(NOW)
    assert "escalates to the charge nurse" in logged_in.get("/").content.decode()

    later = NOW + 6 * MIN
    with time_machine.travel(later, tick=False):
        logged_in.get("/")
        escalate_due(later)  # an UPDATE and new escalation steps
        assert "escalated to charge nurse" in logged_in.get("/").content.decode()

        logged_in.post(reverse("ward:acknowledge_red_flags", args=[procedure.pk]), {"next": "/"})
        assert "<title>Board" in logged_in.get("/").content.decode()


def test_a_staff_reminder_sent_shows_at_once(logged_in, ward_a, fill_ward, procedure):
    fill_ward(ward_a, 1)
    reminder = Reminder.objects.plan(
        key="test:line",
        kind=Reminder.Kind.MILESTONE,
        ward=ward_a,
        procedure=procedure,
        recipient_role=Staff.Role.NURSE,
        channel=Reminder.Channel.INAPP,
        message_key="may_stand",
        due_at=NOW,
    )
    assert "Acknowledge" not in rows_of(logged_in.get("/"))[-1]

    deliver_due(NOW)  # the in-app line is sent: a bulk UPDATE by the worker

    page = logged_in.get("/").content.decode()
    assert reminder.pk in {int(pk) for pk in re.findall(r"/reminders/(\d+)/acknowledge/", page)}


def test_each_nurse_gets_her_own_token_in_the_rows_forms(ward_a, nurse_a, fill_ward, make_procedure):
    fill_ward(ward_a, 1)
    raise_two_flags(make_procedure(), nurse_a)
    other = Staff.objects.create_user("dora", role=Staff.Role.NURSE)
    other.wards.add(ward_a)
    alice, dora = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    alice.force_login(nurse_a)
    dora.force_login(other)

    alice.get("/")  # the rows are written out and kept with alice's request
    page = dora.get("/").content.decode()
    form = r'<form method="post" action="(/procedures/\d+/red-flags/acknowledge/)".*?value="([^"]+)"'
    [(action, token)] = re.findall(form, page)

    answer = dora.post(action, {"csrfmiddlewaretoken": token, "next": "/"})

    assert answer.status_code == 302
    assert Reminder.objects.open_red_flags().count() == 0
    assert "<csrf-token>" not in page


def test_french_and_english_boards_are_kept_apart(logged_in, ward_a, fill_ward):
    fill_ward(ward_a, 1)

    english = logged_in.get("/", headers={"accept-language": "en"}).content.decode()
    french = logged_in.get("/", headers={"accept-language": "fr"}).content.decode()

    assert "Since cement" in english and "Since cement" not in french


def test_another_ward_s_board_is_not_served_from_the_copy(client, ward_a, ward_b, nurse_b, logged_in, fill_ward):
    fill_ward(ward_a, 2)
    live_a = reverse("ward:live", args=[ward_a.pk])
    assert logged_in.get(live_a).status_code == 200  # kept

    client.force_login(nurse_b)

    assert client.get(live_a).status_code == 404


def test_without_redis_the_board_and_the_writes_still_work(logged_in, ward_a, nurse_a, fill_ward, settings):
    settings.CACHES = settings.CACHES | {
        "board": settings.CACHES["board"] | {"LOCATION": "redis://127.0.0.1:1/0"}  # nothing listens there
    }
    [patient] = fill_ward(ward_a, 1, minutes_ago=None)  # saves call board_version.bump()

    assert board_version.current() is None
    assert "not yet injected" in rows_of(logged_in.get("/"))[0]
    record_event(procedure=patient.procedures.get(), kind="cement_injected", at=NOW - 5 * MIN, by=nurse_a)
    assert "not yet injected" not in rows_of(logged_in.get("/"))[0]


def test_the_cache_can_be_turned_off(logged_in, ward_a, fill_ward, settings):
    settings.BOARD_CACHE_SECONDS = 0
    fill_ward(ward_a, 1)
    logged_in.get("/")

    assert milestone_queries(lambda: logged_in.get("/")) > 0


@pytest.mark.django_db(transaction=True)
def test_a_board_read_while_a_change_commits_is_not_kept_past_the_commit(ward_a, nurse_a, fill_ward):
    """A board read by another connection between the change and its commit sees the rows from before.
    It may keep them under the version the change counted at once; the count at commit passes them by."""
    reload_default_protocol()  # a transactional test before this one may have emptied the database
    [patient] = fill_ward(ward_a, 1, minutes_ago=None)
    board = {"ward": ward_a, "user": nurse_a, "show": "all", "sort": "urgency", "back_to": "/", "now": NOW}

    def read_elsewhere(into: list) -> None:
        try:
            into.append(ward_board(**board))
        finally:
            connection.close()  # this thread's own connection

    with transaction.atomic():
        record_event(procedure=patient.procedures.get(), kind="cement_injected", at=NOW - 5 * MIN, by=nurse_a)
        seen: list = []
        reader = threading.Thread(target=read_elsewhere, args=(seen,))
        reader.start()
        reader.join(timeout=30)
        assert "not yet injected" in seen[0].rows_html  # the other connection does not see the change yet

    assert "not yet injected" not in ward_board(**board).rows_html
