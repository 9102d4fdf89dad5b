"""The words patients receive, in their own language and time zone.

A message carries the minimum of personal data: the first name, the time, what to do and whom to
call. Never the diagnosis, the indication or the treated levels; the context built here does not
even hold them. Templates live in notifications/templates/notifications/patient/; French is in
notifications/locale/fr (run `django-admin makemessages -l fr` in notifications/ after a change,
then `compilemessages`).
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import phonenumbers
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from procedures.models import Patient, Ward
from tracker.local_time import long_day_and_time

# message key -> (template, subject)
MESSAGES = {
    "may_stand": ("may_stand", _("You may stand up")),
    "discharge_advice": ("discharge_advice", _("Going home: what to watch for")),
    "pain_checkin": ("pain_checkin", _("How is your pain today?")),
    "xray_followup": ("appointment", _("Your follow-up X-ray")),
    "review": ("appointment", _("Your follow-up review")),
    "questionnaire": ("questionnaire", _("A few questions on your recovery")),
    "questionnaire_reminder": ("questionnaire_reminder", _("Reminder: a few questions on your recovery")),
    "stop_confirmation": ("stop_confirmation", _("No more messages")),
    "reply_received": ("reply_received", _("Your answer was received")),
    "reply_alert": ("reply_received", _("Your answer was received")),
    "patient_link": ("patient_link", _("Your next steps")),
}
APPOINTMENTS = {"xray_followup": _("your follow-up X-ray"), "review": _("your follow-up review")}


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
    """Render message `key` for `patient`, with `at` shown in the ward's zone and the patient's language."""
    template, subject = MESSAGES[key]
    with translation.override(patient.language):
        context = {
            "first_name": patient.given_name,
            "time": local_time(at, ward.zone) if at else "",
            "ward_phone": readable_phone(ward.phone),
            "what": APPOINTMENTS.get(key, ""),
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


def local_time(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "Tuesday 10 February, 10:00" in the active language, in the ward's zone (with the year
    when it is not this year's)."""
    return long_day_and_time(moment, zone, timezone.now())


def readable_phone(e164: str) -> str:
    if not e164:
        return "15 / 112"
    return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
