"""The board at the bedside: red flags above everything, one Acknowledge per patient, the discharged
patients who still have work, the filters and orders, and a bounded number of queries."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.escalation import escalate_due
from notifications.models import Reminder
from procedures.management.commands.seed_demo import NORMAL_OBSERVATIONS
from procedures.recording import record_observations
from procedures.timeline import complete_milestone, record_event
from tests.ward.conftest import MIN, NOW
from tests.ward.test_board import answer_check_before
from ward.board import BoardRedFlag, Show, Sort, board_rows, board_view
from ward.board_html import RowWriter
from ward.red_flag_notice import notice

FLAGGED = NORMAL_OBSERVATIONS | {"spo2": 89, "leg_strength": "changed"}


def raise_two_flags(procedure, nurse, at=NOW):
    record_observations(procedure=procedure, values=FLAGGED, recorded_at=at, by=nurse, now=at)
    return list(Reminder.objects.open_red_flags().filter(procedure=procedure))


def deliver_due(now):
    for pk, token in claim_due(now):
        deliver(pk, token, now=now)


def test_a_red_flag_not_yet_delivered_is_already_on_the_board(logged_in, ward_a, nurse_a, fill_ward):
    _quiet, flagged = fill_ward(ward_a, 2)
    raise_two_flags(flagged.procedures.get(), nurse_a)  # no worker has sent them yet

    page = logged_in.get("/").content.decode()

    assert "<title>(2) Board · Ward A (spine) · Recovery tracker</title>" in page
    region = page[page.index('id="red-flags"') : page.index("</section>", page.index('id="red-flags"'))]
    assert 'role="alert"' in page[page.index('<section id="red-flags"') - 1 : page.index('id="red-flags"') + 80]
    assert "2 open red flags" in region
    assert "Bed 2" in region and "FAMILY1 Given1" in region
    assert "SpO2 (%) 89" in region and "Leg strength or sensation changed" in region
    assert "raised at 14:00" in region
    [first, _second] = board_rows(ward=ward_a, user=nurse_a, now=NOW)
    assert (first.patient.pk, len(first.red_flags)) == (flagged.pk, 2)


def test_with_no_red_flag_the_region_is_empty_and_the_title_has_no_count(logged_in, ward_a, fill_ward):
    fill_ward(ward_a, 1)

    page = logged_in.get("/").content.decode()

    assert "<title>Board · Ward A (spine) · Recovery tracker</title>" in page
    assert 'data-signature=""></section>' in page  # empty: the stylesheet then gives it no space


def test_the_list_says_how_far_each_red_flag_has_escalated(logged_in, ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1)
    raise_two_flags(patient.procedures.get(), nurse_a)
    deliver_due(NOW)

    waiting = logged_in.get("/").content.decode()
    later = NOW + 6 * MIN
    with time_machine.travel(later, tick=False):
        escalate_due(later)
        escalated = logged_in.get("/").content.decode()

    assert "escalates to the charge nurse at 14:05" in waiting  # SpO2: five minutes to acknowledge
    assert "escalated to charge nurse at 14:06" in escalated


def test_one_acknowledge_answers_all_of_a_patient_s_red_flags_each_recorded(logged_in, ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1)
    procedure = patient.procedures.get()
    flags = raise_two_flags(procedure, nurse_a)
    deliver_due(NOW)
    later = NOW + 6 * MIN
    with time_machine.travel(later, tick=False):
        escalate_due(later)

    response = logged_in.post(
        reverse("ward:acknowledge_red_flags", args=[procedure.pk]), {"next": "/?show=now"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/?show=now"
    assert "Acknowledged 2 red flags for FAMILY0 Given0 (bed 1)" in response.content.decode()
    for flag in flags:
        flag.refresh_from_db()
        assert (flag.acknowledged_by, flag.acknowledged_at) == (nurse_a, NOW)
    # The escalations each flag set off are answered with it, as acknowledging one alone does.
    assert not Reminder.objects.filter(escalates__in=flags, acknowledged_at__isnull=True).exists()
    assert not Reminder.objects.open_red_flags().exists()
    assert "<title>Board" in logged_in.get("/").content.decode()


def test_acknowledging_red_flags_asks_for_a_post_and_another_ward_s_patient_is_404(
    logged_in, ward_b, nurse_a, nurse_b, fill_ward
):
    [patient] = fill_ward(ward_b, 1)
    procedure = patient.procedures.get()
    raise_two_flags(procedure, nurse_b)
    url = reverse("ward:acknowledge_red_flags", args=[procedure.pk])

    assert logged_in.get(url).status_code == 405
    assert logged_in.post(url).status_code == 404
    assert Reminder.objects.open_red_flags().count() == 2


def test_acknowledging_twice_says_there_was_nothing_left(logged_in, ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1)
    procedure = patient.procedures.get()
    raise_two_flags(procedure, nurse_a)
    url = reverse("ward:acknowledge_red_flags", args=[procedure.pk])
    logged_in.post(url)

    response = logged_in.post(url, follow=True)

    assert "No open red flag for FAMILY0 Given0 (bed 1): already acknowledged." in response.content.decode()


def test_the_buttons_say_what_acknowledging_and_completing_each_mean(logged_in, ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1, minutes_ago=12)
    raise_two_flags(patient.procedures.get(), nurse_a)

    page = logged_in.get("/").content.decode()

    assert 'id="what-buttons-do"' in page and "stops going up to the charge nurse" in page
    assert page.count('aria-describedby="what-buttons-do"') == 1  # the one Acknowledge of the patient
    assert "Acknowledge all 2 red flags" in page


def discharge(procedure, nurse, at, *, ended_before=20 * MIN):
    record_event(procedure=procedure, kind="ended", at=at - ended_before, by=nurse, now=at)
    record_event(procedure=procedure, kind="discharged", at=at, by=nurse, now=at)


def finish_staff_steps_except(procedure, nurse, keep: str, at):
    """Complete the staff steps open by `at` (the ones that keep a discharged patient on the board)."""
    open_by_then = procedure.milestones.awaited(at).filter(window_opens_at__lte=at)
    for milestone in open_by_then.filter(step__audience__in=["staff", "staff_and_patient"]):
        if milestone.step.code != keep:
            if milestone.step.records == "observations":
                record_observations(
                    procedure=procedure, values=NORMAL_OBSERVATIONS, recorded_at=at, by=nurse, milestone=milestone,
                    now=at,
                )  # fmt: skip
            else:
                complete_milestone(milestone=milestone, by=nurse, now=at)


def test_a_patient_discharged_today_stays_at_the_bottom_until_the_ward_s_day_ends(ward_a, nurse_a, fill_ward):
    # Cement 13 hours ago: may-stand is done, the control X-ray is due at cement + 24 h (01:00 in Paris).
    staying, leaving = fill_ward(ward_a, 2, minutes_ago=13 * 60)
    procedure = leaving.procedures.get()
    discharge(procedure, nurse_a, NOW, ended_before=3 * 60 * MIN)
    finish_staff_steps_except(procedure, nurse_a, "xray_control", NOW)  # the X-ray is due at cement + 24 h

    today = board_view(board_rows(ward=ward_a, user=nurse_a, now=NOW))
    # 23:59 and then 00:01 in Paris (UTC+1): the ward's day, not UTC's.
    before_midnight = dt.datetime(2026, 2, 10, 22, 59, tzinfo=dt.UTC)
    after_midnight = dt.datetime(2026, 2, 10, 23, 1, tzinfo=dt.UTC)

    assert [row.patient.pk for row in today.current] == [staying.pk]
    assert [row.patient.pk for row in today.discharged] == [leaving.pk]
    assert [row.patient.pk for row in board_rows(ward=ward_a, user=nurse_a, now=before_midnight) if row.discharged]
    assert not [row for row in board_rows(ward=ward_a, user=nurse_a, now=after_midnight) if row.discharged]


def test_after_her_day_she_comes_back_while_a_staff_step_of_hers_is_due(ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1, minutes_ago=13 * 60)
    procedure = patient.procedures.get()
    discharge(procedure, nurse_a, NOW, ended_before=3 * 60 * MIN)
    finish_staff_steps_except(procedure, nurse_a, "xray_control", NOW)
    xray = procedure.milestones.get(step__code="xray_control")

    when_due = xray.window_opens_at + MIN
    [row] = board_rows(ward=ward_a, user=nurse_a, now=when_due)
    complete_milestone(milestone=xray, by=nurse_a, now=when_due)

    assert row.discharged and row.overdue + row.due >= 1
    # Nothing keeps her: not the check before the procedure either, missed since the cement (version 2).
    assert procedure.milestones.get(step__code="prom_baseline").status_at(when_due) == "missed"
    assert board_rows(ward=ward_a, user=nurse_a, now=when_due) == []


def test_discharged_rows_are_in_their_own_group_and_record_nothing_more(logged_in, ward_a, nurse_a, fill_ward):
    [patient] = fill_ward(ward_a, 1, minutes_ago=60)
    discharge(patient.procedures.get(), nurse_a, NOW)

    page = logged_in.get("/").content.decode()

    group = page[page.index('id="discharged-title"') :]
    assert "Discharged today" in group and "discharged at 14:00" in group and "FAMILY0 Given0" in group
    assert "Record:" not in group


def test_discharge_is_offered_only_once_the_procedure_ended_and_apart_from_the_everyday_buttons(
    logged_in, ward_a, nurse_a, fill_ward
):
    in_theatre, recovering = fill_ward(ward_a, 2, minutes_ago=60)
    record_event(procedure=recovering.procedures.get(), kind="ended", at=NOW - 30 * MIN, by=nurse_a)

    page = logged_in.get("/").content.decode()
    in_theatre_row = page[page.index(f'id="procedure-{in_theatre.procedures.get().pk}"') :]
    in_theatre_row = in_theatre_row[: in_theatre_row.index("</tr>")]
    recovering_row = page[page.index(f'id="procedure-{recovering.procedures.get().pk}"') :]
    recovering_row = recovering_row[: recovering_row.index("</tr>")]

    assert "Record: Discharged" not in in_theatre_row and "Record: Procedure ended" in in_theatre_row
    more = recovering_row[recovering_row.index('<details class="row-more"') :]
    assert "Record: Discharged" in more


@pytest.fixture
def mixed_ward(ward_a, nurse_a, fill_ward):
    """Bed 1 overdue, bed 2 a red flag, bed 3 discharged today."""
    overdue, flagged, discharged = fill_ward(ward_a, 3, minutes_ago=30)
    raise_two_flags(flagged.procedures.get(), nurse_a)
    discharge(discharged.procedures.get(), nurse_a, NOW)
    return overdue, flagged, discharged


def beds(rows):
    return [row.patient.bed for row in rows]


def test_needs_me_now_keeps_red_flags_overdue_and_due(mixed_ward, ward_a, nurse_a, fill_ward):
    [later] = fill_ward(ward_a, 1, minutes_ago=None)
    answer_check_before(later, nurse_a)  # nothing due yet
    rows = board_rows(ward=ward_a, user=nurse_a, now=NOW)

    everything = board_view(rows)
    now = board_view(rows, show=Show.NOW)
    discharged = board_view(rows, show=Show.DISCHARGED)

    assert later.bed in beds(everything.current) and later.bed not in beds(now.current)
    assert beds(now.current)[0] == "2"
    assert (beds(discharged.current), beds(discharged.discharged)) == ([], ["3"])
    assert len(discharged.red_flags) == 2  # red flags are listed whatever the filter


def test_by_bed_orders_as_people_read_beds_a_red_flag_still_first(ward_a, nurse_a, fill_ward):
    patients = fill_ward(ward_a, 11, minutes_ago=30)
    raise_two_flags(patients[6].procedures.get(), nurse_a)

    view = board_view(board_rows(ward=ward_a, user=nurse_a, now=NOW), sort=Sort.BED)

    assert beds(view.current) == ["7", "1", "2", "3", "4", "5", "6", "8", "9", "10", "11"]


def test_filters_are_links_that_work_without_a_script_and_the_live_part_follows_them(logged_in, ward_a, fill_ward):
    fill_ward(ward_a, 1)

    page = logged_in.get("/?show=now&sort=bed").content.decode()

    assert 'href="?sort=bed" aria-current' not in page
    assert 'href="?show=now&amp;sort=bed" aria-current="page">Needs me now' in page
    assert 'href="?show=now" >' not in page
    assert f'data-url="{reverse("ward:live", args=[ward_a.pk])}?show=now&amp;sort=bed"' in page
    assert 'name="next" value="/?show=now&amp;sort=bed"' in page  # the rows' forms come back here
    assert logged_in.get("/?show=nonsense&sort=nonsense").status_code == 200


def test_the_table_s_caption_says_the_order_chosen(logged_in, ward_a, fill_ward):
    fill_ward(ward_a, 2)
    live = reverse("ward:live", args=[ward_a.pk])

    assert "2 patients, the most pressing first</caption>" in logged_in.get("/").content.decode()
    assert "2 patients, red flags first, then by bed</caption>" in logged_in.get("/?sort=bed").content.decode()
    assert "2 patients, red flags first, then by bed</caption>" in logged_in.get(f"{live}?sort=bed").content.decode()
    french = logged_in.get("/?sort=bed", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "2 patients, signes d'alerte d’abord, puis par lit</caption>" in french


@pytest.mark.parametrize("url_name", ["ward:board", "ward:live"])
def test_red_flags_and_discharged_patients_add_no_query_per_patient(
    client, nurse_a, ward_a, fill_ward, django_assert_max_num_queries, url_name
):
    from tests.ward.test_board import BOARD_QUERIES

    client.force_login(nurse_a)
    url = reverse(url_name, args=[ward_a.pk] if url_name == "ward:live" else [])
    patients = fill_ward(ward_a, 12, minutes_ago=60)
    for patient in patients[:4]:
        raise_two_flags(patient.procedures.get(), nurse_a)
    for patient in patients[4:8]:
        discharge(patient.procedures.get(), nurse_a, NOW)

    client.get(url)  # the session's first request writes it (tracker.sessions); the next ones within a minute do not
    with django_assert_max_num_queries(BOARD_QUERIES + (1 if url_name == "ward:board" else 0)):  # + its access log
        page = client.get(url).content.decode()

    assert page.count('class="is-red-flag') == 4 and page.count("is-discharged") == 4


@pytest.mark.parametrize(
    "language, going, gone",
    [
        ("en", "escalates to the charge nurse", "escalated to charge nurse"),
        ("fr", "transmis à l’infirmière coordinatrice", "transmis à l’infirmière coordinatrice"),
    ],
)
def test_the_board_and_the_saved_notice_say_the_escalation_in_the_same_words(language, going, gone):
    alert = Reminder(urgent=True, acknowledge_within=dt.timedelta(minutes=5))
    waiting = BoardRedFlag(1, 1, "SpO2 89 %", NOW, "sent", NOW + 5 * MIN, 0, None)
    escalated = BoardRedFlag(1, 1, "SpO2 89 %", NOW, "sent", None, 1, NOW - 3 * MIN)
    with translation.override(language):
        writer = RowWriter("/", "token")
        said = notice(alert, "SpO2 89 %")
        region, later = writer.escalation(waiting, NOW), writer.escalation(escalated, NOW)

    in_five = {"en": "in 5 min", "fr": "dans 5 min"}[language]
    assert f"{going} {in_five}" in said
    assert region.startswith(going) and later.startswith(gone)
