"""Actions from the board: record or correct an event, complete a milestone, undo a completion.

Each is a confirmation page and a POST with CSRF; a refusal shows the domain's message on its
field with status 400 and saves nothing; another ward's objects answer 404.
"""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import Reminder
from procedures.models import Event, Milestone, ObservationCheck
from procedures.timeline import complete_milestone, record_event
from tests.ward.conftest import MIN, NOW


def record_url(procedure, **query) -> str:
    url = reverse("ward:record_event", args=[procedure.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def injected(procedure, nurse_a):
    # At 13:45 Paris time: the cement is due to have hardened at 13:55, and overdue from 14:00.
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 15 * MIN, by=nurse_a)
    return procedure


@pytest.fixture
def hardened(injected) -> Milestone:
    return injected.milestones.get(step__code="cement_hardened")


def test_the_record_page_offers_the_kind_asked_for_now(logged_in, procedure):
    page = logged_in.get(record_url(procedure, kind="cement_injected")).content.decode()

    assert '<option value="cement_injected" selected>' in page
    assert 'value="now" id="id_when_0" required checked' in page
    assert "MARTIN Jeanne" in page
    assert "Confirm and record" in page


def test_recording_cement_injected_now(logged_in, procedure, nurse_a):
    response = logged_in.post(record_url(procedure), {"kind": "cement_injected", "when": "now"}, follow=True)

    event = procedure.events.get()
    assert (event.kind, event.at, event.recorded_by) == ("cement_injected", NOW, nurse_a)
    assert messages_of(response) == ["Recorded “Cement injected” at 14:00 for MARTIN Jeanne (bed 12)."]
    assert response.redirect_chain == [("/", 302)]
    assert procedure.milestones.filter(step__code="may_stand").exists()


def test_now_with_the_offered_time_untouched_records_now(logged_in, procedure):
    page = logged_in.get(record_url(procedure)).content.decode()
    assert '<input type="hidden" name="initial-at" value="2026-02-10T14:00"' in page

    data = {"kind": "cement_injected", "when": "now", "at": "2026-02-10T14:00", "initial-at": "2026-02-10T14:00"}
    logged_in.post(record_url(procedure), data)

    assert procedure.events.get().at == NOW


def test_recording_at_a_chosen_time_reads_it_in_the_ward_s_zone(logged_in, procedure):
    logged_in.post(record_url(procedure), {"kind": "cement_injected", "when": "at", "at": "2026-02-10T13:45"})

    assert procedure.events.get().at == dt.datetime(2026, 2, 10, 12, 45, tzinfo=dt.UTC)


def test_asking_for_a_recorded_kind_offers_its_time_for_correction(logged_in, injected):
    page = logged_in.get(record_url(injected, kind="cement_injected")).content.decode()

    assert 'value="2026-02-10T13:45"' in page
    assert 'value="at" id="id_when_1" required checked' in page
    assert "Already recorded" in page


def test_recording_a_kind_again_corrects_it(logged_in, injected):
    response = logged_in.post(
        record_url(injected), {"kind": "cement_injected", "when": "at", "at": "2026-02-10T13:48"}, follow=True
    )

    assert injected.events.get().at == NOW - 12 * MIN
    assert messages_of(response) == ["Corrected “Cement injected” to 13:48 for MARTIN Jeanne (bed 12)."]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "cement_injected", "when": "at"}, "at", "Give the time, or choose “Now”."),
        ({"kind": "cement_injected", "when": "at", "at": "yesterday"}, "at", "Enter a valid date/time."),
        ({"kind": "cement_injected", "when": "at", "at": "2026-02-10T15:30"}, "at", "is in the future"),
        ({"kind": "ended", "when": "now"}, "kind", "Record “cement injected” before “procedure ended”."),
        ({"kind": "exploded", "when": "now"}, "kind", "Select a valid choice."),
        # 02:30 on 29 March 2026 does not exist in Paris: the clocks jump from 02:00 to 03:00.
        ({"kind": "cement_injected", "when": "at", "at": "2026-03-29T02:30"}, "at", "couldn’t be interpreted"),
        # 02:30 on 25 October 2026 happens twice in Paris; the form will not guess which.
        ({"kind": "cement_injected", "when": "at", "at": "2026-10-25T02:30"}, "at", "may be ambiguous"),
        # A time typed (not the one offered) with "Now" still chosen: never silently replaced by now.
        (
            {"kind": "cement_injected", "when": "now", "at": "2026-02-10T13:41", "initial-at": "2026-02-10T14:00"},
            "when",
            "A time was typed below",
        ),
    ],
)
def test_bad_input_shows_the_message_on_its_field_and_saves_nothing(logged_in, procedure, data, field, message):
    response = logged_in.post(record_url(procedure), data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert not Event.objects.exists()


def test_completing_a_milestone_with_a_note(logged_in, hardened, nurse_a):
    page = logged_in.get(reverse("ward:complete", args=[hardened.pk])).content.decode()
    assert "Complete “Cement hardened”" in page
    assert "the patient may be moved flat" in page

    response = logged_in.post(reverse("ward:complete", args=[hardened.pk]), {"note": "Moved flat"}, follow=True)

    hardened.refresh_from_db()
    assert (hardened.completed_at, hardened.completed_by, hardened.note) == (NOW, nurse_a, "Moved flat")
    assert messages_of(response) == ["Completed “Cement hardened” at 14:00 for MARTIN Jeanne (bed 12)."]


def test_completing_too_early_shows_the_domain_s_message(logged_in, injected):
    stand = injected.milestones.get(step__code="may_stand")
    observations = {
        "systolic_bp": "128", "diastolic_bp": "76", "pulse": "70", "spo2": "97", "temperature": "36.9",
        "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "clean", "bladder": "normal",
    }  # fmt: skip

    response = logged_in.post(reverse("ward:complete", args=[stand.pk]), observations | {"note": ""})

    assert response.status_code == 400
    assert "“May stand” cannot be done before 2026-02-11 01:45 CET." in response.context["form"].errors["note"]
    stand.refresh_from_db()
    assert stand.completed_at is None


def test_after_an_action_the_page_returns_where_it_came_from_but_never_off_site(logged_in, hardened, patient):
    back = reverse("ward:patient", args=[patient.pk])

    here = logged_in.post(reverse("ward:complete", args=[hardened.pk]), {"next": back})
    assert here.url == back

    elsewhere = logged_in.post(
        record_url(hardened.procedure), {"kind": "ended", "when": "now", "next": "https://evil.example/"}
    )
    assert elsewhere.url == "/"


# Not paths: redirect() read each as the name of a view, and the action, saved, answered 500.
@pytest.mark.parametrize("back", ["nan", "board", "2026-02-10T14:00", "ward:board", "/x\x00", "/x\nSet-Cookie: a=b"])
def test_a_back_address_that_is_not_a_path_goes_to_the_board_after_the_action(logged_in, hardened, back):
    response = logged_in.post(record_url(hardened.procedure), {"kind": "ended", "when": "now", "next": back})

    assert (response.status_code, response.url) == (302, "/")
    assert hardened.procedure.events.filter(kind="ended").count() == 1


def test_undoing_a_completion_within_the_window(logged_in, hardened, nurse_a):
    complete_milestone(milestone=hardened, by=nurse_a, note="Wrong bed")

    response = logged_in.post(reverse("ward:undo", args=[hardened.pk]), follow=True)

    hardened.refresh_from_db()
    assert hardened.completed_at is None
    assert messages_of(response) == ["Undone: “Cement hardened” for MARTIN Jeanne (bed 12) is open again."]


def test_undoing_too_late_says_why(logged_in, hardened, nurse_a):
    complete_milestone(milestone=hardened, by=nurse_a, now=NOW - 6 * MIN)

    response = logged_in.post(reverse("ward:undo", args=[hardened.pk]), follow=True)

    assert messages_of(response) == [
        "Completed at 2026-02-10 13:54 CET; it could be undone for 5 minutes.",
    ]
    hardened.refresh_from_db()
    assert hardened.completed_by == nurse_a


def test_undo_takes_only_a_post(logged_in, hardened):
    assert logged_in.get(reverse("ward:undo", args=[hardened.pk])).status_code == 405


def test_another_ward_s_procedure_and_milestones_answer_404(client, nurse_b, hardened):
    client.force_login(nurse_b)

    assert client.get(record_url(hardened.procedure)).status_code == 404
    assert client.post(record_url(hardened.procedure), {"kind": "ended", "when": "now"}).status_code == 404
    assert client.post(reverse("ward:complete", args=[hardened.pk]), {"note": "x"}).status_code == 404
    assert client.post(reverse("ward:undo", args=[hardened.pk])).status_code == 404
    hardened.refresh_from_db()
    assert hardened.completed_at is None
    assert hardened.procedure.events.count() == 1


def test_posts_without_the_csrf_token_are_refused(nurse_a, procedure):
    client = Client(enforce_csrf_checks=True)
    client.force_login(nurse_a)

    response = client.post(record_url(procedure), {"kind": "cement_injected", "when": "now"})

    assert response.status_code == 403
    assert not Event.objects.exists()


def test_a_milestone_that_records_observations_is_completed_by_its_check(client, nurse_a, procedure):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - 40 * MIN, by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - 30 * MIN, by=nurse_a)
    obs_1 = procedure.milestones.get(step__code="obs_1")
    client.force_login(nurse_a)
    url = reverse("ward:complete", args=[obs_1.pk])

    form = client.get(url).content.decode()
    refused = client.post(url, {"systolic_bp": "300", "spo2": "140", "next": "/"})
    nothing_saved = not ObservationCheck.objects.exists()
    done = client.post(url, {
        "systolic_bp": "128", "diastolic_bp": "76", "pulse": "70", "spo2": "88", "temperature": "36.9",
        "leg_strength": "normal", "leg_sensation": "normal", "puncture_site": "clean", "bladder": "normal",
        "pain": "3", "note": "Asleep", "next": "/",
    })  # fmt: skip

    assert 'name="spo2"' in form and 'name="leg_strength"' in form
    assert refused.status_code == 400 and nothing_saved
    assert done.status_code == 302
    obs_1.refresh_from_db()
    check = ObservationCheck.objects.get()
    assert (obs_1.completed_by, obs_1.note, check.milestone, check.spo2, check.pain.score) == (
        nurse_a,
        "Asleep",
        obs_1,
        88,
        3,
    )
    assert Reminder.objects.filter(kind="alert", red_flag="vital_signs").exists()  # SpO2 88 < 92
