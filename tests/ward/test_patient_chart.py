"""The patient chart: every observation check in a table and a trend, limits marked; alerts with
their escalation; recording observations, pain and complications outside any milestone, and the
red flags they raise said at once on the next page, in the page's language."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from notifications.escalation import acknowledge, escalate_due
from notifications.models import Reminder
from procedures.models import Complication, ObservationCheck, PainScore, Questionnaire, Staff
from procedures.questionnaires import record_response
from procedures.recording import record_observations, record_pain_score
from procedures.timeline import record_event
from tests.ward.conftest import MIN, NOW
from tests.ward.test_french import choose_french

NORMAL = {
    "systolic_bp": 130, "diastolic_bp": 75, "pulse": 72, "spo2": 97, "temperature": "36.8", "leg_strength": "normal",
    "leg_sensation": "normal", "puncture_site": "clean", "bladder": "normal",
}  # fmt: skip


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def injected(procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 60 * MIN, by=nurse_a)
    return procedure


def observe(procedure, nurse, minutes_ago: int, **changes):
    values = {k: v for k, v in NORMAL.items()} | changes
    return record_observations(procedure=procedure, values=values, recorded_at=NOW - minutes_ago * MIN, by=nurse)


def page_of(client, patient) -> str:
    return client.get(reverse("ward:patient", args=[patient.pk])).content.decode()


def test_every_check_is_in_the_table_with_values_outside_the_limits_marked_in_words(
    logged_in, patient, injected, nurse_a
):
    observe(injected, nurse_a, 50)
    observe(injected, nurse_a, 20, spo2=89, pulse=125, pain=3, leg_strength="changed")

    page = text(page_of(logged_in, patient))

    table = page[page.index("Every observation check") :]
    assert "13:40 ⚠ 130/75 mmHg" not in table
    assert (
        "13:40 130/75 mmHg ⚠ 125 /min (outside the ward's limits) ⚠ 89 % (outside the ward's limits) 36.8 °C "
        "⚠ Changed (outside the ward's limits) / As before Clean and dry Normal 3/10 alice"
    ) in table
    assert "13:10 130/75 mmHg 72 /min 97 % 36.8 °C As before / As before Clean and dry Normal – alice" in table


def test_the_trend_chart_draws_each_vital_sign_with_the_limits_and_marks_values_outside_them(
    logged_in, patient, injected, nurse_a
):
    observe(injected, nurse_a, 50)
    observe(injected, nurse_a, 20, spo2=89)

    html = page_of(logged_in, patient)

    svg = html[html.index('class="chart-svg trend-chart"') :]
    svg = svg[: svg.index("</svg>")]
    for name in ["Systolic BP (mmHg)", "Pulse (/min)", "SpO2 (%)", "Temperature (°C)"]:
        assert f">{name}</text>" in svg
    assert "&lt; 92" in svg and "≥ 38" in svg  # the protocol's SpO2 and fever limits
    out = r'<path class="point out" [^>]+><title>SpO2 89 %, 13:40 \(outside the ward.s limits\)</title>'
    assert re.search(out, svg)
    assert svg.count('class="point out"') == 1
    assert "style=" not in html  # the Content-Security-Policy allows no inline style


def test_a_single_check_has_a_table_but_no_trend(logged_in, patient, injected, nurse_a):
    observe(injected, nurse_a, 20)

    html = page_of(logged_in, patient)

    assert "Every observation check" in html and "trend-chart" not in html


def test_an_alert_shows_its_escalation_steps_and_who_acknowledged_it(logged_in, patient, injected, nurse_a, ward_a):
    charge = Staff.objects.create_user(
        "carla", role=Staff.Role.CHARGE_NURSE, first_name="Carla", last_name="Chef", phone="+33611111111"
    )
    charge.wards.add(ward_a)
    observe(injected, nurse_a, 1, spo2=89)  # raised now, at 14:00
    alert = Reminder.objects.get(kind="alert")
    Reminder.objects.filter(pk=alert.pk).update(status="sent", escalate_at=NOW + 5 * MIN)
    escalate_due(NOW + 6 * MIN)
    acknowledge(reminder=alert, by=charge, now=NOW + 8 * MIN)

    page = text(page_of(logged_in, patient))

    alerts = page[page.index("Red flags") :]
    assert "✓ Acknowledged SpO2 89 % raised 14:00" in alerts
    assert "14:00: the ward's nurses (ward inbox)" in alerts
    assert "14:06: escalated to the charge nurses (ward inbox, Carla Chef by SMS)" in alerts
    assert "Acknowledged 14:08 by Carla Chef" in alerts


def test_an_open_alert_can_be_acknowledged_from_the_page(logged_in, patient, injected, nurse_a):
    observe(injected, nurse_a, 5, temperature="38.6")
    Reminder.objects.filter(kind="alert").update(status="sent")

    html = page_of(logged_in, patient)

    assert "⚠ Open red flag" in text(html)
    alert = Reminder.objects.get(kind="alert")
    assert f'action="{reverse("ward:acknowledge", args=[alert.pk])}"' in html


def test_recording_observations_outside_a_milestone_shows_the_previous_values_beside_as_before(
    logged_in, injected, nurse_a
):
    observe(injected, nurse_a, 50, leg_sensation="changed", pulse=88)

    html = logged_in.get(reverse("ward:record_observations", args=[injected.pk])).content.decode()
    page = text(html)

    assert "Previous check: 13:10, by alice." in page
    assert "Pulse (/min) Previous check: 88" in page.replace("pulse (/min)", "Pulse (/min)")
    assert "Previous check: Changed" in page  # the leg sensation "as before" refers to
    assert 'value="2026-02-10T14:00"' in html  # the time taken is now, in ward time, unless changed


def test_the_previous_values_are_written_as_the_page_s_language_writes_numbers(logged_in, injected, nurse_a):
    observe(injected, nurse_a, 50, temperature="38.6")
    choose_french(logged_in)

    page = text(logged_in.get(reverse("ward:record_observations", args=[injected.pk])).content.decode())

    assert "Température (°C) Contrôle précédent : 38,6" in page


def test_saving_observations_that_raise_a_red_flag_says_so_at_once(logged_in, patient, injected):
    form = NORMAL | {"recorded_at": "2026-02-10T13:55", "spo2": 89, "pain": ""}

    response = logged_in.post(reverse("ward:record_observations", args=[injected.pk]), form, follow=True)

    check = ObservationCheck.objects.get()
    assert (check.spo2, check.recorded_at) == (89, NOW - 5 * MIN)
    assert response.redirect_chain == [(reverse("ward:patient", args=[patient.pk]), 302)]
    assert messages_of(response) == [
        "Recorded observations taken at 13:55 for MARTIN Jeanne (bed 12).",
        "Red flag raised: SpO2 89 %, escalates to the charge nurse in 5 min unless acknowledged.",
    ]
    assert 'class="message red-flag error"' in response.content.decode()


@override_settings(RED_FLAG_ACKNOWLEDGE_MINUTES={"default": 7, "neuro_deficit": 2})
def test_the_notice_gives_the_escalation_delay_of_the_settings_for_each_flag(logged_in, injected):
    form = NORMAL | {"recorded_at": "2026-02-10T13:55", "temperature": "38.4", "bladder": "retention", "pain": ""}

    response = logged_in.post(reverse("ward:record_observations", args=[injected.pk]), form, follow=True)

    assert messages_of(response)[1:] == [
        "Red flag raised: temperature 38.4 °C, escalates to the charge nurse in 7 min unless acknowledged.",
        "Red flag raised: bladder: retention, escalates to the charge nurse in 2 min unless acknowledged.",
    ]


def test_the_notice_is_in_the_page_s_language(logged_in, injected):
    logged_in.cookies["django_language"] = "fr"
    form = NORMAL | {"recorded_at": "2026-02-10T13:55", "temperature": "38.4", "spo2": 90, "pain": ""}

    response = logged_in.post(reverse("ward:record_observations", args=[injected.pk]), form, follow=True)

    assert messages_of(response)[1] == (
        "Signe d'alerte : SpO2 90 %, température 38,4 °C, transmis à l’infirmière coordinatrice dans 5 min "
        "s’il n’est pas pris en compte."
    )


def test_the_pain_table_says_from_whom_in_french(logged_in, patient, injected, nurse_a):
    record_pain_score(procedure=injected, score=4, recorded_at=NOW - 5 * MIN, source="staff", by=nurse_a)
    choose_french(logged_in)

    html = page_of(logged_in, patient)

    assert '<th scope="col">Source</th>' in html


def test_a_red_flag_from_her_answers_reads_in_the_page_s_language(logged_in, patient, injected):
    answers = {"pain_rest": 2, "pain_activity": 3, "analgesics": "none", "mobility": "indoors", "falls": True}
    record_response(
        procedure=injected, questionnaire=Questionnaire.objects.current("recovery-check"), answers=answers,
        authored_at=NOW - 2 * MIN, source="patient", by=None,
    )  # fmt: skip
    choose_french(logged_in)

    alerts = text(page_of(logged_in, patient)).split("Signes d'alerte", 1)[1]

    assert "Signe d'alerte en cours Point sur votre rétablissement" in alerts
    assert "Recovery check" not in alerts


def test_a_pain_score_above_the_baseline_says_so(logged_in, injected, nurse_a):
    record_pain_score(procedure=injected, score=4, recorded_at=NOW - 90 * MIN, source="baseline", by=nurse_a)

    response = logged_in.post(
        reverse("ward:record_pain", args=[injected.pk]), {"score": 7, "recorded_at": "2026-02-10T13:58"}, follow=True
    )

    assert PainScore.objects.filter(source="staff").get().score == 7
    assert messages_of(response) == [
        "Recorded pain 7/10 at 13:58 for MARTIN Jeanne (bed 12).",
        "Red flag raised: pain 7/10, above the baseline, escalates to the charge nurse in 5 min unless acknowledged.",
    ]


def test_a_complication_is_recorded_and_raises_its_red_flag(logged_in, patient, injected):
    form = {"kind": "cement_leakage", "severity": "moderate", "noted_at": "2026-02-10T13:50",
            "description": "Leak seen on the control image", "actions_taken": "Doctor called"}  # fmt: skip

    response = logged_in.post(reverse("ward:report_complication", args=[injected.pk]), form, follow=True)

    complication = Complication.objects.get()
    assert (complication.kind, complication.noted_at) == ("cement_leakage", NOW - 10 * MIN)
    assert messages_of(response)[1] == (
        "Red flag raised: Cement leakage (moderate), escalates to the charge nurse in 3 min unless acknowledged."
    )
    page = text(response.content.decode())
    assert "⚠ Cement leakage (moderate), 13:50 · alice Leak seen on the control image Done: Doctor called" in page


def test_bad_input_answers_400_with_the_field_named_and_saves_nothing(logged_in, injected):
    form = NORMAL | {"recorded_at": "2026-02-10T15:00", "spo2": 140}

    response = logged_in.post(reverse("ward:record_observations", args=[injected.pk]), form)

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 100." in response.content.decode()
    assert not ObservationCheck.objects.exists()

    form = NORMAL | {"recorded_at": "2026-02-10T15:00"}  # an hour ahead of now
    response = logged_in.post(reverse("ward:record_observations", args=[injected.pk]), form)
    assert response.status_code == 400 and not ObservationCheck.objects.exists()


def test_completing_an_observation_milestone_with_a_red_flag_says_so(logged_in, injected, nurse_a):
    record_event(procedure=injected, kind="ended", at=NOW - 20 * MIN, by=nurse_a)
    obs = injected.milestones.get(step__code="obs_1")
    form = NORMAL | {"pulse": 130, "pain": "", "note": ""}

    response = logged_in.post(reverse("ward:complete", args=[obs.pk]), form, follow=True)

    assert messages_of(response)[-1] == (
        "Red flag raised: pulse 130 /min, escalates to the charge nurse in 5 min unless acknowledged."
    )


def test_recording_pages_of_another_ward_answer_404(client, nurse_b, injected):
    client.force_login(nurse_b)
    for name in ["record_observations", "record_pain", "report_complication"]:
        assert client.get(reverse(name and f"ward:{name}", args=[injected.pk])).status_code == 404
        assert client.post(reverse(f"ward:{name}", args=[injected.pk]), {}).status_code == 404
    assert not Reminder.objects.filter(kind="alert").exists()


def test_the_baseline_given_in_the_recovery_check_is_drawn_and_written_on_the_chart_and_the_handover(
    logged_in, patient, injected, nurse_a, ward_a
):
    # Protocol 2 asks for the baseline in the recovery check before the cement, not as a pain score.
    answers = {"pain_rest": 6, "pain_activity": 8, "analgesics": "every_day", "mobility": "indoors", "falls": False}
    record_response(
        procedure=injected, questionnaire=Questionnaire.objects.current("recovery-check"), answers=answers,
        authored_at=NOW - 120 * MIN, source="staff", by=nurse_a,
    )  # fmt: skip
    record_pain_score(procedure=injected, score=8, recorded_at=NOW - 5 * MIN, source="staff", by=nurse_a)

    chart = text(page_of(logged_in, patient).split('class="pain"', 1)[1].split("</section>", 1)[0])
    handover = text(logged_in.get(reverse("ward:handover", args=[ward_a.pk])).content.decode())

    assert "Baseline 6/10: a score above it raises a red flag." in chart
    assert "baseline 6/10" in chart and "red flag from 7/10" in chart
    assert "12:00 6/10 Baseline, in the recovery check" in chart  # when she gave it, in ward time
    assert "8/10 (above the baseline)" in chart
    assert "baseline 6/10 ⚠ above the baseline" in handover
