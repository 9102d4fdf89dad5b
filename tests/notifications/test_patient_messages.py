"""Patient messages in English and French, with the minimum of personal data."""

import datetime as dt

import pytest
from django.utils.html import escape

from notifications.messages import PATIENT_MESSAGES
from notifications.patient_messages import render_patient_message
from procedures.models import Protocol

AT = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris, a Tuesday


def render(key, patient, **kwargs):
    return render_patient_message(key, patient=patient, ward=patient.ward, at=AT, **kwargs)


def test_a_pain_check_in_in_french(patient):
    message = render("pain_checkin", patient)

    assert message.subject == "Comment va votre douleur aujourd'hui ?"
    assert message.sms.startswith("Bonjour Jeanne, comment va votre douleur au dos aujourd'hui ?")
    assert "de 0 (aucune douleur) à 10" in message.sms
    assert "+33 1 40 00 00 00" in message.sms


def test_a_follow_up_reminder_in_english_the_day_before(patient):
    patient.language = "en"

    message = render("xray_followup", patient, day_before=True)

    assert message.sms == (
        "Hello Jeanne, a reminder: your follow-up X-ray is tomorrow, Tuesday 10 March, 10:00. "
        "To change it, call +33 1 40 00 00 00."
    )
    assert "add it to your calendar" in message.text and "add it to your calendar" not in message.sms


def test_the_same_reminder_in_french_on_the_day(patient):
    message = render("xray_followup", patient)

    assert message.sms.startswith(
        "Bonjour Jeanne, un rappel : votre radiographie de contrôle a lieu aujourd'hui, mardi 10 mars, 10:00."
    )


def test_the_email_has_an_html_part_with_the_link(patient):
    message = render("may_stand", patient, link="https://tracker.example/p/abc")

    assert '<html lang="fr">' in message.html
    assert 'href="https://tracker.example/p/abc"' in message.html
    assert message.sms.endswith("https://tracker.example/p/abc")


def test_discharge_advice_lists_the_red_flags_and_the_ward_phone(patient):
    patient.language = "en"

    message = render("discharge_advice", patient)

    for words in ["weakness or numbness in your legs", "fever of 38 °C", "+33 1 40 00 00 00", "15 / 112"]:
        assert words in message.sms
    assert "do not drive for 2 days" in message.text


def test_every_patient_step_of_the_default_protocol_has_a_message(db):
    protocol = Protocol.objects.current("vertebral-augmentation")
    patient_steps = [step for step in protocol.steps.all() if step.notifies_patient]

    missing = [step.code for step in patient_steps if step.message not in PATIENT_MESSAGES]

    assert patient_steps and missing == []


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("key", sorted(PATIENT_MESSAGES))
@pytest.mark.parametrize("day_before", [True, False])
def test_no_sms_names_the_indication_or_the_levels(make_procedure, patient, language, key, day_before):
    procedure = make_procedure(indication="tumour", levels=["T12", "L1"], anaesthesia="general")
    patient.language = language

    message = render(key, patient, day_before=day_before, alert=True)

    for secret in [*procedure.levels, "tumour", "tumeur", "metasta", "métasta", "angioma", "angiome", "osteopor",
                   "ostéopor", procedure.patient.family_name, procedure.patient.mrn]:  # fmt: skip
        assert secret.lower() not in message.sms.lower()
        assert secret.lower() not in message.text.lower()
    assert message.sms and len(message.sms) < 480  # three SMS segments at the most


@pytest.mark.parametrize("name", ["O'Brien", "Dupont & fils", 'Zoé "Zo" <Martin>'])
def test_a_name_arrives_as_written_in_the_sms_and_escaped_once_in_the_html_email(patient, name):
    patient.given_name = name

    message = render("pain_checkin", patient, link="https://tracker.example.org/p/abc:def/?a=1&b=2")

    assert message.sms.startswith(f"Bonjour {name}, ") and message.text.startswith(f"Bonjour {name}, ")
    assert "&#" not in message.sms and "&amp;" not in message.sms
    assert (
        f"Bonjour {escape(name)}, " in message.html and "&amp;#" not in message.html and "&amp;amp;" not in message.html
    )
    assert 'href="https://tracker.example.org/p/abc:def/?a=1&amp;b=2"' in message.html
