"""The patient answers her questionnaire from her link on a phone, in English and in French, with JavaScript
turned off: one question a screen, back, sent at the end; a red flag tells her to call the ward. axe-core
needs JavaScript, so it checks the same screens in a second tab that has it. Screenshots go to artefacts/."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from notifications.models import Reminder
from notifications.patient_links import issue_link
from procedures.models import Milestone, Patient, Protocol, QuestionnaireResponse
from procedures.recording import record_pain_score
from procedures.timeline import record_event, schedule_procedure
from tests.browser.axe import assert_no_axe_violations
from tests.browser.conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
QUESTIONS = ["pain_rest", "pain_activity", "analgesics", "mobility", "falls", "new_symptoms"]
WORDS = {
    "en": {"of": "of", "next": "Next", "back": "Back", "send": "Send my answers", "yes": "Yes", "no": "No",
           "sent": "Thank you, your answers were sent to the ward.", "call": "Call the ward now",
           "none": "None", "indoors": "Indoors", "needed": "Please answer this question."},
    "fr": {"of": "sur", "next": "Suivant", "back": "Retour", "send": "Envoyer mes réponses", "yes": "Oui",
           "no": "Non", "sent": "Merci, vos réponses ont été envoyées au service.",
           "call": "Appelez le service maintenant", "none": "Aucun", "indoors": "À l’intérieur",
           "needed": "Veuillez répondre à cette question."},
}  # fmt: skip
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"
# What a finger presses: the buttons, the answers (the whole label, not the radio's dot) and the fields.
TARGETS = "main button, main .button, main label.option, main input[type=text], main textarea"


@pytest.fixture
def week_check(nurse_a, patient, request) -> Milestone:
    """Cement injected six days ago on the default protocol's version 2: the 1-week check is open now."""
    Protocol.objects.get(code="vertebral-augmentation", version=2).publish()
    now = timezone.now()
    injected = now - dt.timedelta(days=6)
    procedure = schedule_procedure(
        patient=patient, kind="vertebroplasty", indication="osteoporotic_fracture", levels=["L1"],
        anaesthesia="local", scheduled_at=injected - dt.timedelta(minutes=20), by=nurse_a,
    )  # fmt: skip
    record_pain_score(procedure=procedure, score=6, recorded_at=injected - dt.timedelta(minutes=30),
                      source="baseline", by=nurse_a)  # fmt: skip
    record_event(procedure=procedure, kind="cement_injected", at=injected, by=nurse_a)
    milestone = procedure.milestones.get(step__code="prom_1w")
    assert milestone.window_opens_at <= now < milestone.closes_at
    return milestone


def speaking(patient: Patient, language: str) -> str:
    """Her link, in `language`."""
    patient.language = language
    patient.save()
    return urlsplit(issue_link(patient)[0]).path


def open_phone(browser: Browser, live_server, *, javascript: bool) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def check_touch_targets(page: Page, name: str) -> None:
    """Measured by the browser's layout, which needs no script in the page."""
    targets = page.locator(TARGETS)
    for index in range(targets.count()):
        box = targets.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, f"{name}: a target of {box}"


def check_with_axe(page: Page, url: str, name: str) -> None:
    page.goto(url)
    assert page.evaluate(OVERFLOW) <= 0, f"{name} is wider than the phone"
    assert_no_axe_violations(page)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_she_answers_the_whole_questionnaire_without_javascript(browser, live_server, patient, week_check, language):
    words = WORDS[language]
    link = speaking(patient, language)
    phone = open_phone(browser, live_server, javascript=False)
    axe = open_phone(browser, live_server, javascript=True)
    try:
        for number, link_id in enumerate(QUESTIONS, 1):
            check_with_axe(axe, f"{link}?q={link_id}", f"question {number}")

        phone.goto(link)
        expect(phone.locator(".progress")).to_contain_text(f"1 {words['of']} 6")
        check_touch_targets(phone, "the pain scale")
        screenshot(phone, f"questionnaire-{language}-1-390.png")
        phone.get_by_role("button", name=words["next"]).click()  # no answer yet
        expect(phone.locator(".error")).to_have_text(words["needed"])
        screenshot(phone, f"questionnaire-{language}-required-390.png")
        check_with_axe(axe, f"{link}?q=pain_rest", "the pain scale")  # the same screen, the answer still missing

        phone.get_by_role("radio", name="3", exact=True).check()
        phone.get_by_role("button", name=words["next"]).click()
        expect(phone.locator(".progress")).to_contain_text(f"2 {words['of']} 6")
        phone.get_by_role("radio", name="5", exact=True).check()
        phone.get_by_role("button", name=words["next"]).click()
        expect(phone.locator(".progress")).to_contain_text(f"3 {words['of']} 6")
        phone.get_by_role("link", name=words["back"]).click()
        expect(phone.locator(".progress")).to_contain_text(f"2 {words['of']} 6")
        expect(phone.get_by_role("radio", name="5", exact=True)).to_be_checked()
        phone.get_by_role("button", name=words["next"]).click()

        phone.get_by_role("radio", name=words["none"]).check()
        screenshot(phone, f"questionnaire-{language}-3-390.png")
        check_touch_targets(phone, "a choice")
        phone.get_by_role("button", name=words["next"]).click()
        phone.get_by_role("radio", name=words["indoors"]).check()
        phone.get_by_role("button", name=words["next"]).click()
        phone.get_by_role("radio", name=words["no"], exact=True).check()
        phone.get_by_role("button", name=words["next"]).click()
        expect(phone.locator(".progress")).to_contain_text(f"6 {words['of']} 6")
        check_touch_targets(phone, "the free text")
        screenshot(phone, f"questionnaire-{language}-6-390.png")
        phone.get_by_role("button", name=words["send"]).click()

        expect(phone.locator(".notice")).to_have_text(words["sent"])
        screenshot(phone, f"questionnaire-{language}-sent-390.png")
        response = QuestionnaireResponse.objects.get(milestone=week_check)
        assert response.answers == {"pain_rest": 3, "pain_activity": 5, "analgesics": "none", "mobility": "indoors",
                                    "falls": False}  # fmt: skip
        assert Milestone.objects.get(pk=week_check.pk).completed_at is not None
        check_with_axe(axe, phone.url, "the page after sending")
    finally:
        phone.context.close()
        axe.context.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_red_flag_answer_tells_her_to_call_the_ward(browser, live_server, patient, week_check, language):
    words = WORDS[language]
    link = speaking(patient, language)
    phone = open_phone(browser, live_server, javascript=False)
    axe = open_phone(browser, live_server, javascript=True)
    try:
        phone.goto(f"{link}?q=falls")
        phone.get_by_role("radio", name=words["yes"], exact=True).check()
        phone.get_by_role("button", name=words["next"]).click()
        expect(phone.locator(".urgent-note")).to_be_visible()  # what to do, before she sends
        screenshot(phone, f"questionnaire-{language}-flagged-390.png")
        check_with_axe(axe, f"{link}?q=new_symptoms", "the question after a red-flag answer")
        phone.get_by_role("textbox").fill("my legs feel numb" if language == "en" else "jambes engourdies")
        phone.get_by_role("button", name=words["send"]).click()  # the first questions are still unanswered
        expect(phone.locator(".progress")).to_contain_text(f"1 {words['of']} 6")
        for link_id, value in [("pain_rest", "4"), ("pain_activity", "6")]:
            phone.goto(f"{link}?q={link_id}")
            phone.get_by_role("radio", name=value, exact=True).check()
            phone.get_by_role("button", name=words["next"]).click()
        for name in (words["none"], words["indoors"]):
            phone.get_by_role("radio", name=name).check()
            phone.get_by_role("button", name=words["next"]).click()
        phone.get_by_role("button", name=words["next"]).click()  # falls: yes, kept
        phone.get_by_role("button", name=words["send"]).click()  # new symptoms: kept

        expect(phone.get_by_role("heading", level=1)).to_have_text(words["call"])
        expect(phone.locator("a.call-now")).to_have_attribute("href", "tel:+33140000000")
        check_touch_targets(phone, "the red-flag screen")
        screenshot(phone, f"questionnaire-{language}-red-flag-390.png")
        alert = Reminder.objects.get(kind="alert")
        assert (alert.red_flag, alert.urgent, alert.recipient_role) == ("patient_reported", True, "nurse")
        check_with_axe(axe, phone.url, "the red-flag screen")
    finally:
        phone.context.close()
        axe.context.close()


def test_her_pages_follow_a_dark_phone(browser, live_server, patient, week_check):
    link = speaking(patient, "fr")
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, color_scheme="dark")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        for url in (link, f"{link}?q=analgesics", f"{link}?q=new_symptoms"):
            check_with_axe(phone, url, url)  # contrast included
            background = phone.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(17, 22, 29)", f"{url} stays light at night: {background}"
        phone.get_by_role("link", name=WORDS["fr"]["back"]).click()
        screenshot(phone, "questionnaire-fr-dark-390.png")
    finally:
        context.close()
