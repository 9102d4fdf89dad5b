"""What a reminder says, for each kind of recipient. Staff messages name the bed and the ward, not
the patient; patient messages are in notifications.patient_messages."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from notifications.calendar import appointment_ics
from notifications.messages import APPOINTMENT_KEYS, PATIENT_REPLY, REPLY_ALERT
from notifications.models import Reminder
from notifications.patient_links import patient_link
from notifications.patient_messages import render_patient_message
from procedures.red_flags import RedFlagKind
from tracker.local_time import clock

APPOINTMENT_LENGTH = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class Content:
    subject: str
    sms: str
    text: str
    html: str
    attachments: list[tuple[str, str, str]] = field(default_factory=list)


def content_for(reminder: Reminder) -> Content:
    if reminder.recipient_patient_id:
        return patient_content(reminder)
    return staff_content(reminder)


def patient_content(reminder: Reminder) -> Content:
    patient, milestone = reminder.recipient_patient, reminder.milestone
    message = render_patient_message(
        reminder.message_key,
        patient=patient,
        ward=reminder.ward,
        at=milestone.due_at if milestone else None,
        day_before=reminder.key.endswith(":day_before"),
        alert=reminder.message_key == REPLY_ALERT,
        link=patient_link(patient),
    )
    attachments = []
    if reminder.message_key in APPOINTMENT_KEYS and milestone:
        ics = appointment_ics(
            uid=f"{reminder.milestone_id}@recovery-tracker",
            starts_at=milestone.due_at,
            duration=APPOINTMENT_LENGTH,
            summary=message.subject,
            location=reminder.ward.name,
        )
        attachments.append(("appointment.ics", ics, "text/calendar"))
    return Content(message.subject, message.sms, message.text, message.html, attachments)


def staff_content(reminder: Reminder) -> Content:
    """One line, in the ward's language: what, when, which bed; never the patient's name."""
    ward, patient = reminder.ward, reminder.procedure.patient
    with translation.override(ward.language):
        values = {"what": subject_of(reminder), "bed": patient.bed or "?", "ward": ward.name}
        if reminder.milestone:
            line = _("%(what)s due %(when)s, bed %(bed)s, %(ward)s.") % (
                values | {"when": clock(reminder.milestone.due_at, ward.zone)}
            )
        else:
            line = _("%(what)s, bed %(bed)s, %(ward)s.") % values
        text = PREFIXES[reminder.kind]() % {"line": line} if reminder.kind in PREFIXES else line
    return Content(subject=text, sms=text, text=text, html=format_html("<p>{}</p>", text))


def subject_of(reminder: Reminder) -> str:
    """What a staff reminder is about, in the active language: the step, the red flag, or a reply."""
    if reminder.milestone:
        return reminder.milestone.step.label_in()
    if reminder.red_flag:
        return str(RedFlagKind(reminder.red_flag).label)
    if reminder.message_key == PATIENT_REPLY:
        return _("Text from the patient")
    return reminder.message_key.replace("_", " ")


# Words put before the line; functions, so they are looked up in the ward's language.
PREFIXES = {
    Reminder.Kind.ESCALATION: lambda: _("Not acknowledged: %(line)s"),
    Reminder.Kind.FAILURE: lambda: _("Could not be delivered: %(line)s"),
    Reminder.Kind.ALERT: lambda: _("RED FLAG: %(line)s"),
}


def email_address(reminder: Reminder) -> str:
    if reminder.recipient_patient_id:
        return reminder.recipient_patient.email
    return reminder.recipient_staff.email if reminder.recipient_staff_id else ""


def phone_number(reminder: Reminder) -> str:
    """The E.164 number an SMS goes to: the patient's, or the named staff member's."""
    if reminder.recipient_patient_id:
        return str(reminder.recipient_patient.phone or "")
    return str(reminder.recipient_staff.phone or "") if reminder.recipient_staff_id else ""
