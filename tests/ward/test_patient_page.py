"""The patient page: the drawn timeline, the tables of events and milestones, who did what."""

import datetime as dt
import itertools
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from procedures.questionnaires import record_response
from procedures.recording import record_pain_score
from procedures.timeline import complete_milestone, record_event, undo_completion
from tests.ward.conftest import MIN, NOW
from ward.drawing import HOUR, LINE, TOP, WRAP_AT, timeline_drawing
from ward.history import patient_history


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def at(minutes_before_now: int):
    return time_machine.travel(NOW - minutes_before_now * MIN, tick=False)


@pytest.fixture
def timeline(procedure, nurse_a, admin_user):
    """Started at 13:20, cement at 13:25 corrected to 13:30 by the administrator, hardened done at 13:42."""
    with at(39):
        record_event(procedure=procedure, kind="started", at=NOW - 40 * MIN, by=nurse_a)
    with at(34):
        record_event(procedure=procedure, kind="cement_injected", at=NOW - 35 * MIN, by=nurse_a)
    with at(25):
        record_event(procedure=procedure, kind="cement_injected", at=NOW - 30 * MIN, by=admin_user)
    with at(18):
        hardened = procedure.milestones.get(step__code="cement_hardened")
        complete_milestone(milestone=hardened, by=nurse_a, note="Flat, comfortable")
    return procedure


def test_the_page_draws_events_milestones_and_now(logged_in, patient, timeline):
    html = logged_in.get(reverse("ward:patient", args=[patient.pk])).content.decode()

    svg = html[html.index("<svg viewBox") : html.index("</svg>")]
    assert 'role="img"' in svg
    assert "<title>Cement injected: 13:30</title>" in svg
    assert re.search(r"<title>May stand: 11 Feb 01:30 \(\s*planned\s*\)</title>", svg)
    assert re.search(r"<title>Cement hardened: 13:40 \(\s*done\s*\)</title>", svg)
    assert "now 14:00" in svg


def test_the_tables_list_every_time_in_ward_time(logged_in, patient, timeline):
    page = text(logged_in.get(reverse("ward:patient", args=[patient.pk])).content.decode())

    assert "Procedure started 13:20 alice Correct…" in page
    assert "Cement injected 13:30 ada Correct…" in page  # the last to record it
    assert "Cement hardened 13:40 ✓ Done 13:42 · alice “Flat, comfortable”" in page
    assert "May stand 11 Feb 01:30 Planned" in page
    assert "Control X-ray 11 Feb 13:30 Planned" in page


def test_the_history_says_who_did_what(logged_in, patient, timeline, nurse_a):
    hardened = timeline.milestones.get(step__code="cement_hardened")
    with at(16):
        undo_completion(milestone=hardened, by=nurse_a)

    page = text(logged_in.get(reverse("ward:patient", args=[patient.pk])).content.decode())
    history = page[page.index("Who did what") :]

    assert "13:44 alice Undid the completion of “Cement hardened”" in history
    assert "13:42 alice Completed “Cement hardened”: “Flat, comfortable”" in history
    assert "13:35 ada Corrected “Cement injected” to 13:30" in history
    assert "13:26 alice Recorded “Cement injected” at 13:25" in history
    assert "alice Scheduled Vertebroplasty L1 for 1 Jan 09:00" in history
    assert "the system Added the patient" in history  # created outside any request


def test_the_history_leaves_out_milestones_planned_by_an_event(patient, timeline):
    actions = [change.action for change in patient_history(patient=patient)]

    assert actions.count("milestone_completed") == 1
    assert sorted(set(actions)) == [
        "event_corrected",
        "event_recorded",
        "milestone_completed",
        "patient_added",
        "scheduled",
    ]


def test_another_ward_s_patient_answers_404(client, nurse_b, patient, timeline):
    client.force_login(nurse_b)

    assert client.get(reverse("ward:patient", args=[patient.pk])).status_code == 404


def test_an_administrator_sees_every_ward_s_patients(client, admin_user, patient):
    client.force_login(admin_user)

    assert client.get(reverse("ward:patient", args=[patient.pk])).status_code == 200


def test_the_drawing_runs_down_in_clock_time_for_a_day_then_compresses_the_follow_up(timeline):
    with timezone.override(timeline.ward.zone):
        drawing = timeline_drawing(procedure=timeline, now=NOW)

    started = drawing.events[0]
    assert started.y == TOP  # the first event is the origin, 13:20
    by_label = {mark.label: mark for mark in drawing.milestones}
    # Clock time: HOUR px per hour after 13:20 for the first 24 hours.
    assert by_label["Cement hardened"].y == pytest.approx(TOP + HOUR * 20 / 60, abs=0.1)  # 13:40
    assert by_label["May stand"].y == pytest.approx(TOP + HOUR * (12 + 10 / 60), abs=0.1)  # 01:30
    assert by_label["Control X-ray"].y > TOP + HOUR * 24  # 13:30 next day, past the first day
    # The year of follow-up takes a few hundred pixels, not 365 days of hours.
    assert drawing.marks[-1].y - by_label["Control X-ray"].y < 500
    assert drawing.break_y is not None
    ys = [mark.y for mark in drawing.marks]
    assert ys == sorted(ys)
    assert drawing.now_y == pytest.approx(TOP + HOUR * 40 / 60, abs=0.1)
    hour_labels = [tick.label for tick in drawing.ticks if tick.hour and tick.label]
    assert hour_labels[:3] == ["16:00", "18:00", "20:00"]  # 14:00 gives way to "now 14:00"
    assert "11 Feb" in hour_labels  # midnight carries the date
    # The last review, 12 calendar months on, falls hours before 365 days: no "+1 year" past it.
    assert [t.label for t in drawing.ticks if not t.hour] == ["+1 week", "+1 month", "+3 months"]


def test_crowded_labels_are_moved_down_with_a_leader_never_dropped_or_overlapping(procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 200 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - 195 * MIN, by=nurse_a)
    with timezone.override(procedure.ward.zone):
        drawing = timeline_drawing(procedure=procedure, now=NOW)

    assert len(drawing.marks) == 2 + procedure.milestones.count()  # every mark keeps its label
    labels = [(mark.label_y, mark.label_y + LINE * len(mark.lines)) for mark in drawing.marks]
    for (_, bottom), (top, _) in itertools.pairwise(labels):
        assert top >= bottom  # no label overlaps the one above it
    obs = [mark for mark in drawing.marks if mark.label.startswith("Observations")]
    assert any(mark.moved for mark in obs)  # fifteen minutes apart is 5 px: they need leaders
    assert all(mark.label_y >= mark.y for mark in drawing.marks)
    assert all(len(line) <= WRAP_AT for mark in drawing.marks for line in mark.lines)


def test_nothing_is_drawn_before_the_first_event(procedure):
    assert timeline_drawing(procedure=procedure, now=NOW) is None


def test_times_carry_their_date_on_another_day_and_their_year_in_another_year(logged_in, patient, timeline):
    page = text(logged_in.get(reverse("ward:patient", args=[patient.pk])).content.decode())

    assert "Cement hardened 13:40" in page  # today
    assert "May stand 11 Feb 01:30" in page  # tomorrow
    assert "Review at 12 months 10 Feb 2027 10:00" in page  # next year


def test_the_patient_page_plots_pain_over_time_against_the_baseline(client, nurse_a, procedure):
    start = timezone.now() - dt.timedelta(days=2)
    record_pain_score(procedure=procedure, score=7, recorded_at=start, source="baseline", by=nurse_a)
    for hours, score in [(1, 6), (24, 4), (47, 2)]:
        record_pain_score(procedure=procedure, score=score, recorded_at=start + dt.timedelta(hours=hours),
                          source="staff", by=nurse_a)  # fmt: skip
    client.force_login(nurse_a)

    page = client.get(reverse("ward:patient", args=[procedure.patient.pk])).content.decode()

    assert "Pain over time (0–10)" in page
    assert page.count('<circle class="point" cx="24.0"') == 1
    assert page.count('<circle class="point"') == 3
    assert 'points="24.0,67.0 ' in page  # 6/10 at the left edge: y = 15 + (10 - 6) × 13
    assert "348.0,119.0" in page  # 2/10 at the right edge, 47 hours later
    assert '<line class="baseline" x1="24" x2="348" y1="54.0"' in page  # 7/10
    assert "baseline 7/10" in page and "red flag from 8/10" in page  # the threshold, one above the baseline
    # A time axis in ward clock time (Paris), on whole half-days over these two days.
    ticks = re.findall(r'text-anchor="(?:start|middle|end)">([^<]+)</text>', page[page.index('class="time-axis"') :])
    assert ticks == ["9 Feb 00:00", "9 Feb 12:00", "00:00", "12:00"]


def test_the_page_shows_the_patients_texts_and_that_she_replied_stop(logged_in, patient, timeline):
    from notifications.inbound.receiving import receive_reply

    with at(-5):  # after the patient was added, at 14:00
        receive_reply(sender=patient.phone, body="douleur 3", provider_message_id="SM1", now=NOW + 5 * MIN)
    with at(-10):
        receive_reply(sender=patient.phone, body="STOP", provider_message_id="SM2", now=NOW + 10 * MIN)

    page = text(logged_in.get(reverse("ward:patient", args=[patient.pk])).content.decode())

    assert "No messages: the patient has not consented or has replied STOP." in page
    assert "14:05 “douleur 3” pain 3/10" in page and "14:10 “STOP” STOP" in page
    assert "14:10 the system The patient replied STOP: no more messages" in page[page.index("Who did what") :]


def test_a_step_she_answered_herself_from_her_link_says_so(logged_in, procedure, patient):
    """Her answers complete the step with no staff member: the page said nothing, it answered 500."""
    check = procedure.milestones.get(step__code="prom_baseline")
    answers = {"pain_rest": 7, "pain_activity": 9, "analgesics": "every_day", "mobility": "indoors", "falls": False}
    record_response(
        procedure=procedure, questionnaire=check.step.questionnaire, answers=answers, authored_at=check.due_at,
        source="patient", by=None, milestone=check, now=check.due_at,
    )  # fmt: skip

    response = logged_in.get(reverse("ward:patient", args=[patient.pk]))

    assert response.status_code == 200
    row = re.search(rf'<tr[^>]*id="milestone-{check.pk}".*?</tr>', response.content.decode(), re.S).group()
    assert re.search(r"\d\d:\d\d · the patient", text(row))
