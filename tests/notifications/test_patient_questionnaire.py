"""The patient answers her questionnaire from her link: one question a screen, kept as she goes, sent at the end;
a red flag tells her what to do now and alerts the ward like a red-flag text message."""

import datetime as dt
import re
import threading
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client

from notifications.escalation import escalate_due
from notifications.models import Reminder
from notifications.patient_links import issue_link, revoke_links
from procedures.models import Milestone, Patient, Protocol, QuestionnaireResponse, ResponseDraft, Staff
from procedures.recording import record_pain_score
from procedures.timeline import record_event
from tests.conftest import reload_default_protocol

INJECTED = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)  # 09:00 in Paris
# The 1-week check is due on the 17th at 10:00 in Paris; its window opens 3 days before and closes a week after.
DUE = dt.datetime(2026, 3, 17, 9, 0, tzinfo=dt.UTC)
NOW = DUE - dt.timedelta(days=1)
GOOD = {
    "pain_rest": "3", "pain_activity": "5", "analgesics": "occasionally", "mobility": "indoors", "falls": "no",
    "new_symptoms": "",
}  # fmt: skip


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def checked(make_procedure, nurse_a, clock):
    """A procedure on the default protocol's version 2 (published here), injected a week ago, baseline pain 6."""
    Protocol.objects.get(code="vertebral-augmentation", version=2).publish()
    clock.move_to(INJECTED - dt.timedelta(minutes=20))
    procedure = make_procedure(scheduled_at=INJECTED - dt.timedelta(minutes=10))
    record_pain_score(procedure=procedure, score=6, recorded_at=INJECTED - dt.timedelta(minutes=30),
                      source="baseline", by=nurse_a)  # fmt: skip
    clock.move_to(INJECTED)
    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)
    clock.move_to(NOW)
    return procedure


@pytest.fixture
def week_check(checked) -> Milestone:
    return checked.milestones.get(step__code="prom_1w")


def path_of(patient) -> str:
    return urlsplit(issue_link(patient)[0]).path


@pytest.fixture
def link(patient) -> str:
    return path_of(patient)


def form_action(html: str) -> str:
    return re.search(r'<form method="post" action="([^"]+)"', html)[1].replace("&amp;", "&")


def show(client, link: str, query: str = "") -> str:
    response = client.get(link + query)
    assert response.status_code == 200
    return response.content.decode()


def answer(client, link: str, link_id: str, value: str, query: str = ""):
    html = show(client, link, query or f"?q={link_id}")
    return client.post(link + form_action(html), {link_id: value})


def answer_all(client, link: str, answers: dict):
    for link_id, value in answers.items():
        response = answer(client, link, link_id, value)
        assert response.status_code == 302, response.content.decode()
    return response


def test_the_link_opens_the_first_question_in_her_language(client, link, week_check):
    html = show(client, link)

    assert '<html lang="fr">' in html
    assert "Point sur votre rétablissement" in html and "1 sur 6" in html
    assert "Votre douleur du dos au repos maintenant" in html
    assert re.findall(r'<input type="radio" name="pain_rest" value="(\d+)"', html) == [str(n) for n in range(11)]
    assert 'name="csrfmiddlewaretoken"' in html and "<script" not in html
    assert "Retour" not in html  # nothing before the first question
    for private in ["Martin", "MRN-0001", "L1"]:
        assert private not in html


def test_an_english_patient_reads_her_progress_in_english(client, patient, week_check):
    patient.language = Patient.Language.ENGLISH
    patient.save()

    html = show(client, path_of(patient), "?q=analgesics")

    assert "3 of 6" in html and "Which painkillers do you take?" in html
    assert re.findall(r'name="analgesics" value="(\w+)"', html) == ["none", "occasionally", "every_day", "strong"]


def test_each_answer_is_kept_and_leads_to_the_next_question_with_a_way_back(client, link, week_check):
    response = answer(client, link, "pain_rest", "3")

    assert response.status_code == 302 and response["Location"] == f"{link}?q=pain_activity"
    assert ResponseDraft.objects.get(milestone=week_check).answers == {"pain_rest": 3}
    html = show(client, link, "?q=pain_activity")
    assert "2 sur 6" in html
    assert '<a class="button secondary" href="?q=pain_rest">Retour</a>' in html
    back = show(client, link, "?q=pain_rest")
    assert '<input type="radio" name="pain_rest" value="3" checked' in back


def test_she_can_change_an_answer_on_her_way_back(client, link, week_check):
    answer_all(client, link, {"pain_rest": "3", "pain_activity": "5"})

    answer(client, link, "pain_rest", "4")

    assert ResponseDraft.objects.get(milestone=week_check).answers == {"pain_rest": 4, "pain_activity": 5}


def test_she_comes_back_where_she_stopped_even_from_a_new_link(client, patient, link, week_check, clock):
    answer_all(client, link, {"pain_rest": "3", "pain_activity": "5"})
    clock.shift(dt.timedelta(days=2))

    html = show(Client(), path_of(patient))  # the reminder's link, another browser

    assert "3 sur 6" in html and "Quels antidouleurs prenez-vous ?" in html


def test_the_last_answer_sends_them_all_and_completes_the_step(client, link, week_check):
    response = answer_all(client, link, GOOD)

    sent = QuestionnaireResponse.objects.get(milestone=week_check)
    assert response["Location"] == f"{link}?sent={sent.pk}"
    assert (sent.source, sent.recorded_by, sent.authored_at) == ("patient", None, NOW)
    assert sent.answers == {
        "pain_rest": 3, "pain_activity": 5, "analgesics": "occasionally", "mobility": "indoors", "falls": False,
    }  # fmt: skip
    week_check.refresh_from_db()
    assert week_check.completed_at == NOW
    assert not ResponseDraft.objects.exists()
    assert not Reminder.objects.filter(kind="alert").exists()
    html = show(client, link, f"?sent={sent.pk}")
    assert "Merci, vos réponses ont été envoyées au service." in html
    assert "vos prochaines étapes" in html and "<form" not in html


def test_the_last_question_says_it_sends(client, link, week_check):
    html = show(client, link, "?q=new_symptoms")

    assert "6 sur 6" in html and "Envoyer mes réponses" in html and "(facultatif)" in html
    assert '<textarea id="new_symptoms" name="new_symptoms"' in html


@pytest.mark.parametrize(
    ("link_id", "value", "error"),
    [
        ("pain_rest", "11", "Veuillez indiquer un nombre de 0 à 10."),
        ("pain_rest", "trois", "Veuillez indiquer un nombre de 0 à 10."),
        ("pain_rest", "", "Veuillez répondre à cette question."),
        ("analgesics", "aspirin", "Veuillez choisir l’une des réponses."),
        ("falls", "maybe", "Veuillez répondre oui ou non."),
        ("new_symptoms", "x" * 2001, "Veuillez raccourcir votre réponse à 2000 caractères au plus."),
    ],
)
def test_a_bad_or_missing_answer_is_shown_on_its_question_and_nothing_is_kept(
    client, link, week_check, link_id, value, error
):
    response = answer(client, link, link_id, value)

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="error" id="{link_id}-error">{error}</p>' in html
    assert "<title>Erreur" in html and 'aria-invalid="true"' in html
    assert not ResponseDraft.objects.exists() and not QuestionnaireResponse.objects.exists()


def test_an_optional_question_may_be_left_empty(client, link, week_check):
    answer_all(client, link, GOOD)

    assert "new_symptoms" not in QuestionnaireResponse.objects.get().answers


def test_sending_with_a_question_skipped_returns_to_it(client, link, week_check):
    answer_all(client, link, {"pain_rest": "3", "pain_activity": "5"})  # then straight to the last question

    response = answer(client, link, "new_symptoms", "")

    html = response.content.decode()
    assert response.status_code == 400 and "3 sur 6" in html
    assert "Veuillez répondre à cette question." in html
    assert not QuestionnaireResponse.objects.exists()
    assert ResponseDraft.objects.get().answers == {"pain_rest": 3, "pain_activity": 5, "new_symptoms": ""}


def test_a_red_flag_tells_her_to_call_and_alerts_the_ward_like_a_red_flag_text(client, link, week_check, ward_a):
    charge = Staff.objects.create_user("carla", role=Staff.Role.CHARGE_NURSE, phone="+33611111111")
    charge.wards.add(ward_a)

    response = answer_all(client, link, GOOD | {"falls": "yes"})

    html = show(client, link, "?" + urlsplit(response["Location"]).query)
    assert "Appelez le service maintenant" in html
    phone = "+33 1 40 00 00 00".replace(" ", "\xa0")  # never split across lines
    assert f'<a class="button call-now" href="tel:+33140000000">Appeler le service : {phone}</a>' in html
    assert "Appelez les secours (15 ou 112) tout de suite si :" in html
    alert = Reminder.objects.get(kind="alert")
    # As for a red-flag text (tests/notifications/test_inbound_sms.py): urgent, to the ward's nurses, 5 minutes.
    assert (alert.red_flag, alert.urgent, alert.recipient_role, alert.channel) == (
        "patient_reported", True, "nurse", "inapp",
    )  # fmt: skip
    assert alert.acknowledge_within == dt.timedelta(minutes=5) and "yes" in alert.summary
    assert alert.procedure == week_check.procedure
    Reminder.objects.filter(pk=alert.pk).update(status="sent", escalate_at=NOW + dt.timedelta(minutes=5))
    escalate_due(NOW + dt.timedelta(minutes=6))
    assert Reminder.objects.filter(kind="escalation", escalates=alert, recipient_role="charge_nurse").exists()


def test_pain_far_above_her_baseline_is_a_red_flag_too(client, link, week_check):
    answer_all(client, link, GOOD | {"pain_rest": "8"})  # baseline 6

    assert Reminder.objects.get(kind="alert").red_flag == "patient_reported"


def test_a_red_flag_answer_tells_her_what_to_do_before_she_sends(client, link, week_check):
    note = "L’une de vos réponses demande l’attention du service."
    answer_all(client, link, {"pain_rest": "3", "pain_activity": "5"})
    calm = show(client, link)
    answer(client, link, "falls", "yes")

    html = show(client, link, "?q=new_symptoms")

    assert note not in calm and note in html
    assert "Envoyez vos réponses : le service sera prévenu tout de suite." in html
    assert not Reminder.objects.filter(kind="alert").exists()  # raised when she sends them, once


def test_the_red_flag_screen_is_only_for_her_own_response(client, patient, link, week_check, ward_a):
    answer_all(client, link, GOOD | {"falls": "yes"})
    other = Patient.objects.create(mrn="MRN-2", given_name="Zoé", family_name="Autre", birth_date="1950-01-01",
                                   ward=ward_a)  # fmt: skip

    html = show(client, path_of(other), f"?sent={QuestionnaireResponse.objects.get().pk}")

    assert "Appelez le service maintenant" not in html and "Zoé" in html


def test_once_answered_the_page_shows_her_next_steps_and_a_second_post_changes_nothing(client, link, week_check):
    last = form_action(show(client, link, "?q=new_symptoms"))
    answer_all(client, link, GOOD)

    again = client.post(link + last, {"new_symptoms": "rien"})

    assert again.status_code == 302 and again["Location"] == link
    assert QuestionnaireResponse.objects.count() == 1
    html = show(client, link)
    assert "vos prochaines étapes" in html and "<form" not in html


def test_nothing_is_asked_before_the_window_opens_or_after_it_closes(client, link, week_check, clock):
    action = form_action(show(client, link))
    clock.move_to(week_check.window_opens_at - dt.timedelta(minutes=1))
    before = show(client, link)
    clock.move_to(week_check.closes_at)
    after = show(client, link)
    posted = client.post(link + action, {"pain_rest": "3"})

    assert "<form" not in before and "<form" not in after
    assert "vos prochaines étapes" in after
    assert posted.status_code == 302 and not ResponseDraft.objects.exists()


def test_another_patients_link_cannot_reach_her_questionnaire(client, link, week_check, ward_a):
    action = form_action(show(client, link))
    other = Patient.objects.create(mrn="MRN-2", given_name="Zoé", family_name="Autre", birth_date="1950-01-01",
                                   ward=ward_a)  # fmt: skip
    other_link = path_of(other)

    html = show(client, other_link)
    posted = client.post(other_link + action, {"pain_rest": "3"})

    assert "<form" not in html and "Jeanne" not in html
    assert posted.status_code == 302 and posted["Location"] == other_link
    assert not ResponseDraft.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(link, week_check):
    browser = Client(enforce_csrf_checks=True)
    action = form_action(show(browser, link))

    refused = browser.post(link + action, {"pain_rest": "3"})
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(link + action, {"pain_rest": "3", "csrfmiddlewaretoken": token})

    assert (refused.status_code, accepted.status_code) == (403, 302)
    assert ResponseDraft.objects.get().answers == {"pain_rest": 3}


def test_a_withdrawn_link_cannot_answer(client, patient, link, week_check):
    action = form_action(show(client, link))
    revoke_links(patient)

    posted = client.post(link + action, {"pain_rest": "3"})

    assert posted.status_code == 410 and "Jeanne" not in posted.content.decode()
    assert not ResponseDraft.objects.exists()


def test_the_headers_keep_the_link_private(client, link, week_check):
    response = client.get(link)

    assert response["Referrer-Policy"] == "same-origin" and response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("query", ["?sent=²", "?sent=99999999999999999999999", "?q=nothing", "?q=%00", "?sent=x&q="])
def test_odd_addresses_show_the_page_and_never_fail(client, link, week_check, query):
    html = show(client, link, query)

    assert "1 sur 6" in html


@pytest.mark.parametrize("query", ["?milestone=x&q=pain_rest", "?milestone=0", "?milestone=%00&q=pain_rest"])
def test_a_post_for_another_milestone_keeps_nothing(client, link, week_check, query):
    response = client.post(link + query, {"pain_rest": "3"})

    assert response.status_code == 302 and response["Location"] == link
    assert not ResponseDraft.objects.exists()


def test_a_form_with_every_answer_posted_to_the_link_is_sent_at_once(client, link, week_check):
    response = client.post(link, GOOD)

    sent = QuestionnaireResponse.objects.get(milestone=week_check)
    assert response["Location"] == f"{link}?sent={sent.pk}" and sent.answers["analgesics"] == "occasionally"
    assert Milestone.objects.get(pk=week_check.pk).completed_at == NOW


def test_some_answers_posted_to_the_link_are_kept_and_she_goes_on_from_there(client, link, week_check):
    response = client.post(link, {"pain_rest": "3", "pain_activity": "5", "unknown": "x"})

    assert response.status_code == 302 and response["Location"] == link
    assert ResponseDraft.objects.get().answers == {"pain_rest": 3, "pain_activity": 5}
    assert "3 sur 6" in show(client, link)


def test_one_wrong_answer_among_several_keeps_none_of_them(client, link, week_check):
    response = client.post(link, GOOD | {"mobility": "flying"})

    assert response.status_code == 400 and "4 sur 6" in response.content.decode()
    assert not ResponseDraft.objects.exists() and not QuestionnaireResponse.objects.exists()


def test_the_check_before_the_procedure_is_offered_from_her_link_without_a_message(client, link, make_procedure, clock):
    """The check before the procedure is, in version 2, for staff (audience staff): "staff-entered or answered by
    the patient". Her page offers it; she is sent no message for it; her answers complete it."""
    Protocol.objects.get(code="vertebral-augmentation", version=2).publish()
    procedure = make_procedure(scheduled_at=NOW + dt.timedelta(days=2))
    baseline = procedure.milestones.get(step__code="prom_baseline")
    assert baseline.window_opens_at <= NOW and baseline.step.audience == "staff"

    assert "<form" in show(client, link)
    answer_all(client, link, GOOD)

    baseline.refresh_from_db()
    assert baseline.completed_at == NOW
    assert QuestionnaireResponse.objects.get(milestone=baseline).source == "patient"
    assert not Reminder.objects.filter(milestone=baseline, channel__in=["sms", "email"]).exists()


@pytest.fixture
def shipped(transactional_db):
    reload_default_protocol()


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_record_one_response(shipped, link, week_check):
    answer_all(Client(), link, {key: value for key, value in GOOD.items() if key != "new_symptoms"})
    action = form_action(show(Client(), link))
    both_ready = threading.Barrier(2)
    statuses, errors = [], []

    def send():
        try:
            both_ready.wait(timeout=10)
            statuses.append(Client().post(link + action, {"new_symptoms": ""}).status_code)
        except Exception as error:  # the test client re-raises a 500's exception
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors and statuses == [302, 302]
    assert QuestionnaireResponse.objects.filter(milestone=week_check).count() == 1
