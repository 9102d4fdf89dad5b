"""The board: who may open it, which ward it shows, its rows, their order, and its query count."""

import gzip
import re

import pytest
from django.urls import reverse

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.models import Reminder
from procedures.management.commands.seed_demo import BEFORE_ANSWERS, NORMAL_OBSERVATIONS
from procedures.models import EventKind, Procedure
from procedures.questionnaires import record_response
from procedures.recording import record_observations
from procedures.timeline import SEQUENCE, complete_milestone, record_event
from tests.ward.conftest import MIN, NOW
from ward.board import Urgency, board_rows, next_event_kind, recent_actions
from ward.views import WARD_SESSION_KEY


def rows_of(response) -> list[str]:
    """The visible text of each board row, squeezed to single spaces."""
    html = response.content.decode()
    rows = re.findall(r'<tr id="procedure-\d+".*?</tr>', html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_the_board_asks_for_a_log_in(client, ward_a):
    response = client.get("/")

    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/"


def test_the_log_in_page_is_django_s_form_with_username_and_password(client, nurse_a):
    page = client.get("/accounts/login/").content.decode()
    assert 'name="username"' in page
    assert 'name="password"' in page

    response = client.post("/accounts/login/", {"username": "alice", "password": "alice-password"})

    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_a_nurse_on_one_ward_lands_on_its_board(logged_in, ward_a, patient, procedure):
    response = logged_in.get("/")

    assert response.status_code == 200
    assert "Board of Ward A (spine)" in response.content.decode()
    assert [row.split(" ")[0] for row in rows_of(response)] == ["12"]


def test_a_nurse_on_two_wards_picks_one_and_the_session_keeps_it(client, nurse_a, ward_a, ward_b):
    nurse_a.wards.add(ward_b)
    client.force_login(nurse_a)

    assert client.get("/").url == reverse("ward:choose")
    picked = client.post(reverse("ward:choose"), {"ward": ward_b.pk})

    assert picked.url == "/"
    assert client.session[WARD_SESSION_KEY] == ward_b.pk
    assert "Board of Ward B (orthopaedics)" in client.get("/").content.decode()


@pytest.mark.parametrize("chosen", ["ward_b", "not-a-number", ""])
def test_a_nurse_cannot_pick_a_ward_she_is_not_on(logged_in, ward_a, ward_b, chosen):
    response = logged_in.post(reverse("ward:choose"), {"ward": ward_b.pk if chosen == "ward_b" else chosen})

    assert response.status_code == 400  # refused, like every ward form, with a message
    assert WARD_SESSION_KEY not in logged_in.session
    assert "Ward B" not in response.content.decode()


def test_a_nurse_on_no_ward_is_told_so(client, db):
    from procedures.models import Staff

    client.force_login(Staff.objects.create_user("newcomer", password="x"))

    response = client.get("/", follow=True)

    assert "not assigned to any ward" in response.content.decode()


def test_a_row_shows_bed_name_procedure_consolidation_and_the_next_step_in_ward_time(logged_in, procedure, nurse_a):
    # Injected at 13:30 Paris time; the cement is due to have hardened at 13:40, overdue from 13:45.
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 30 * MIN, by=nurse_a)

    [row] = rows_of(logged_in.get("/"))

    assert row.startswith("12 MARTIN Jeanne MRN-0001 Vertebroplasty L1 30 min at 13:30")
    assert "4 % · may stand at 01:30" not in row  # tomorrow, so written with its date
    assert "4 % · may stand at 11 Feb 01:30" in row
    assert "⚠ Overdue Cement hardened due 13:40 ( 20 min ago )" in row
    assert "Record: Procedure ended" in row


def test_the_live_part_is_the_same_rows_without_the_page_around_them(logged_in, ward_a, procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 30 * MIN, by=nurse_a)

    response = logged_in.get(reverse("ward:live", args=[ward_a.pk]))

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert rows_of(response) == rows_of(logged_in.get("/"))


def test_another_ward_s_live_rows_answer_404(logged_in, ward_b):
    assert logged_in.get(reverse("ward:live", args=[ward_b.pk])).status_code == 404


def answer_check_before(patient, nurse) -> None:
    """The nurse enters the recovery check before the procedure (default protocol version 2), due at the
    time the procedure is scheduled for (fill_ward: 2 hours ago)."""
    procedure = patient.procedures.get()
    check = procedure.milestones.get(step__code="prom_baseline")
    record_response(
        procedure=procedure, questionnaire=check.step.questionnaire, answers=BEFORE_ANSWERS, authored_at=NOW,
        source="staff", by=nurse, milestone=check, now=NOW,
    )  # fmt: skip


def test_rows_come_overdue_first_then_due_then_upcoming_then_not_started(ward_a, nurse_a, fill_ward):
    [not_started] = fill_ward(ward_a, 1, minutes_ago=None)
    answer_check_before(not_started, nurse_a)  # else that check, due at the scheduled time, is overdue
    [upcoming] = fill_ward(ward_a, 1, minutes_ago=1)
    [due] = fill_ward(ward_a, 1, minutes_ago=9)
    [overdue] = fill_ward(ward_a, 1, minutes_ago=30)

    rows = board_rows(ward=ward_a, user=nurse_a, now=NOW)

    assert [row.patient.pk for row in rows] == [p.pk for p in (overdue, due, upcoming, not_started)]
    assert [row.urgency for row in rows] == [Urgency.OVERDUE, Urgency.DUE, Urgency.UPCOMING, Urgency.NOTHING_PLANNED]


def test_completed_steps_leave_the_row_and_may_stand_fills_the_bar(ward_a, nurse_a, procedure):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 13 * 60 * MIN, by=nurse_a)
    complete_milestone(milestone=procedure.milestones.get(step__code="cement_hardened"), by=nurse_a)
    record_observations(
        procedure=procedure, values=NORMAL_OBSERVATIONS, recorded_at=NOW, by=nurse_a,
        milestone=procedure.milestones.get(step__code="may_stand"),
    )  # fmt: skip

    [row] = board_rows(ward=ward_a, user=nurse_a, now=NOW)

    assert row.consolidation_percent == 100
    assert row.next_milestone.code == "xray_control"
    assert row.to_do == 0


def test_the_row_is_about_the_first_step_overdue_and_counts_the_others_to_do(logged_in, ward_a, nurse_a, procedure):
    # Cement 60 min ago, ended 50 min ago: cement hardened, observations 1 and 2 are overdue,
    # observations 3 (due 13:55 Paris time) is due, observations 4 is still to come.
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 60 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - 50 * MIN, by=nurse_a)

    [row] = board_rows(ward=ward_a, user=nurse_a, now=NOW)
    [text] = rows_of(logged_in.get("/"))

    assert (row.overdue, row.due, row.to_do) == (3, 1, 4)
    assert row.next_milestone.code == "cement_hardened"
    assert "⚠ Overdue Cement hardened due 13:10 ( 50 min ago ) and 3 more to do" in text
    assert "Record: Discharged" in text


@pytest.mark.parametrize(
    "recorded",
    [(), ("started",), ("cement_injected",), ("started", "cement_injected"), ("started", "cement_injected", "ended")],
)
def test_the_event_offered_next_is_the_one_after_the_last_recorded(recorded):
    """The row tells it from the procedure's status (one query fewer than reading the events)."""
    following = max((SEQUENCE.index(kind) for kind in recorded), default=-1) + 1
    status = Procedure.status_after(set(recorded))

    assert next_event_kind(status, cement_injected=EventKind.CEMENT_INJECTED in recorded) == SEQUENCE[following]


def test_discharged_and_cancelled_procedures_leave_the_board(ward_a, nurse_a, fill_ward):
    staying, cancelled = fill_ward(ward_a, 2)
    record_event(procedure=cancelled.procedures.get(), kind="cancelled", at=NOW, by=nurse_a)

    assert [row.patient.pk for row in board_rows(ward=ward_a, user=nurse_a, now=NOW)] == [staying.pk]


def test_a_nurse_never_sees_another_ward_s_rows_even_when_asking_for_that_ward(ward_b, nurse_a, fill_ward):
    fill_ward(ward_b, 2)

    assert board_rows(ward=ward_b, user=nurse_a, now=NOW) == []


def test_your_recent_completions_offer_an_undo_for_five_minutes(logged_in, ward_a, procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 9 * MIN, by=nurse_a)
    hardened = procedure.milestones.get(step__code="cement_hardened")
    complete_milestone(milestone=hardened, by=nurse_a)

    page = logged_in.get("/").content.decode()

    assert "Completed “Cement hardened” for MARTIN at 14:00." in page
    assert f'action="{reverse("ward:undo", args=[hardened.pk])}"' in page
    assert "possible until 14:05" in page
    assert not recent_actions(ward=ward_a, user=nurse_a, now=NOW + 6 * MIN)


# Session, user, ward, procedures (with their cement, may-stand and discharge times), the milestones the
# rows are about, their reminders wanting attention with their open red flags, your recent completions and events.
BOARD_QUERIES = 8


@pytest.mark.parametrize("url_name", ["ward:board", "ward:live"])
def test_the_board_s_query_count_does_not_grow_with_patients(
    client, nurse_a, ward_a, fill_ward, django_assert_num_queries, url_name
):
    client.force_login(nurse_a)
    url = reverse(url_name, args=[ward_a.pk] if url_name == "ward:live" else [])
    client.get(url)  # the session's first request writes it (tracker.sessions); the next ones within a minute do not

    # The page writes its access-log row; its live refreshes, once a quarter of an hour (the first one, above).
    expected = BOARD_QUERIES + (1 if url_name == "ward:board" else 0)
    fill_ward(ward_a, 5)
    with django_assert_num_queries(expected):
        five = rows_of(client.get(url))
    fill_ward(ward_a, 45)
    with django_assert_num_queries(expected):
        fifty = rows_of(client.get(url))

    assert (len(five), len(fifty)) == (5, 50)


@pytest.mark.parametrize("url_name", ["ward:board", "ward:live"])
def test_the_board_is_compressed_for_a_browser_that_asks(client, nurse_a, ward_a, fill_ward, url_name):
    fill_ward(ward_a, 3)
    client.force_login(nurse_a)
    url = reverse(url_name, args=[ward_a.pk] if url_name == "ward:live" else [])

    plain = client.get(url)
    packed = client.get(url, headers={"accept-encoding": "gzip"})

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content).decode().count('<tr id="procedure-') == len(rows_of(plain)) == 3


def test_times_follow_the_ward_s_zone(client, nurse_b, ward_b, fill_ward):
    fill_ward(ward_b, 1, minutes_ago=30)
    client.force_login(nurse_b)

    [row] = rows_of(client.get("/"))

    assert "at 12:30" in row  # London is one hour behind Paris in February


def test_a_sent_reminder_shows_on_its_row_and_is_acknowledged_there(client, nurse_a, ward_a, fill_ward):
    fill_ward(ward_a, 1, minutes_ago=12)
    for pk, token in claim_due(NOW):
        deliver(pk, token, now=NOW)
    client.force_login(nurse_a)

    [row] = rows_of(client.get("/"))
    reminder = Reminder.objects.get(milestone__step__code="cement_hardened", recipient_role="nurse")
    response = client.post(reverse("ward:acknowledge", args=[reminder.pk]), {"next": "/"}, follow=True)

    assert "Cement hardened" in row and "Acknowledge" in row
    reminder.refresh_from_db()
    assert reminder.acknowledged_by == nurse_a
    assert "Acknowledged: Cement hardened." in response.content.decode()
    assert "Acknowledge" not in rows_of(client.get("/"))[0]


def test_a_red_flag_puts_its_row_first(nurse_a, ward_a, fill_ward):
    [quiet, flagged] = fill_ward(ward_a, 2, minutes_ago=30)
    procedure = Procedure.objects.get(patient=flagged)
    Reminder.objects.create(
        key="alert:test", kind="alert", ward=ward_a, procedure=procedure, recipient_role="nurse", channel="inapp",
        message_key="red_flag", summary="Leg strength or sensation changed", due_at=NOW, status="sent",
        urgent=True, red_flag="neuro_deficit",
    )  # fmt: skip

    rows = board_rows(ward=ward_a, user=nurse_a, now=NOW)

    assert [row.patient.pk for row in rows] == [flagged.pk, quiet.pk]
    assert rows[0].urgency == Urgency.RED_FLAG and rows[0].red_flags[0].summary == "Leg strength or sensation changed"


def test_names_and_red_flags_are_escaped_on_the_row(logged_in, ward_a, fill_ward):
    [patient] = fill_ward(ward_a, 1, minutes_ago=30)
    patient.family_name, patient.bed, patient.mrn = "O'Brien <b>", '3 "A"', "<i>MRN</i>"
    patient.save()
    procedure = Procedure.objects.get(patient=patient)
    Reminder.objects.create(
        key="alert:escape", kind="alert", ward=ward_a, procedure=procedure, recipient_role="nurse", channel="inapp",
        message_key="red_flag", summary="<script>alert(1)</script>", due_at=NOW, status="sent", urgent=True,
        red_flag="neuro_deficit",
    )  # fmt: skip

    response = logged_in.get("/")
    page = response.content.decode()

    assert "<b>" not in page and "<i>" not in page and "<script>alert" not in page
    assert "O&#x27;BRIEN &lt;B&gt; Given0" in page
    assert "3 &quot;A&quot;" in page and "&lt;i&gt;MRN&lt;/i&gt;" in page
    assert "⚠ Red flag: &lt;script&gt;alert(1)&lt;/script&gt;" in rows_of(response)[0]
