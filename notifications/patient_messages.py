"""The words patients receive, in their own language and time zone.

A message carries the minimum of personal data: the first name, the time, what to do and whom to
call. Never the diagnosis, the indication or the treated levels; the context built here does not
even hold them. Templates live in notifications/templates/notifications/patient/; French is in
notifications/locale/fr (run `django-admin makemessages -l fr` in notifications/ after a change,
then `compilemessages`).
"""

import datetime as dt
from dataclasses import dataclass

import phonenumbers
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from notifications.messages import PATIENT_MESSAGES
from procedures.models import Patient, Ward
from tracker.local_time import long_day_and_time


@dataclass(frozen=True)
class PatientMessage:
    subject: str
    sms: str
    text: str
    html: str


def render_patient_message(
    key: str,
    *,
    patient: Patient,
    ward: Ward,
    at: dt.datetime | None = None,
    day_before: bool = False,
    alert: bool = False,
    link: str = "",
) -> PatientMessage:
    """Render message `key` (notifications.messages) for `patient`, with `at` shown in the ward's zone and the
    patient's language."""
    words = PATIENT_MESSAGES[key]
    template, subject = words.template, words.subject
    with translation.override(patient.language):
        context = {
            "first_name": patient.given_name,
            "time": long_day_and_time(at, ward.zone, timezone.now()) if at else "",
            "ward_phone": readable_phone(ward.phone),
            "what": words.appointment or "",
            "day_before": day_before,
            "alert": alert,
            "link": link,
            "language": patient.language,
            "subject": str(subject),
        }
        sms = render(template, context | {"channel": "sms"})
        text = render(template, context | {"channel": "email"})
        if link:
            sms, text = f"{sms} {link}", f"{text}\n\n{link}"
        html = render_to_string("notifications/patient/email.html", context | {"body": text})
        return PatientMessage(subject=str(subject), sms=sms, text=text, html=html)


def render(template: str, context: dict) -> str:
    """Render a message as plain text, without HTML escaping: an SMS says "O'Brien", not "O&#x27;Brien".

    The HTML e-mail escapes this text once, when it puts it in its page (email.html).
    """
    template = get_template(f"notifications/patient/{template}.txt").template
    return template.render(Context(context, autoescape=False)).strip()  # .strip() also makes it a plain str


def readable_phone(e164: str) -> str:
    if not e164:
        return "15 / 112"
    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
