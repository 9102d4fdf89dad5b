"""What a reminder says, for each kind of recipient. Staff messages name the bed and the ward, not
the patient; patient messages are in notifications.patient_messages."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, translation
from django.utils.html import format_html

from notifications.calendar import appointment_ics
from notifications.models import Reminder
from notifications.patient_links import patient_link
from notifications.patient_messages import render_patient_message
from procedures.times import in_zone

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
        alert=reminder.message_key == "reply_alert",
        link=patient_link(patient),
    )
    attachments = []
    if reminder.message_key in ("xray_followup", "review") and milestone:
        ics = appointment_ics(
            uid=f"{reminder.milestone_id}@recovery-tracker", starts_at=milestone.due_at, duration=APPOINTMENT_LENGTH,
            summary=message.subject, location=reminder.ward.name,
        )  # fmt: skip
        attachments.append(("appointment.ics", ics, "text/calendar"))
    return Content(message.subject, message.sms, message.text, message.html, attachments)


def staff_content(reminder: Reminder) -> Content:
    ward, patient = reminder.ward, reminder.procedure.patient
    with translation.override("en"):
        when = local_time(reminder.milestone.due_at, ward) if reminder.milestone else ""
        what = reminder.milestone.step.label if reminder.milestone else reminder.message_key.replace("_", " ")
        prefix = {
            Reminder.Kind.ESCALATION: "Not acknowledged: ",
            Reminder.Kind.FAILURE: "Could not be delivered: ",
            Reminder.Kind.ALERT: "RED FLAG: ",
        }.get(reminder.kind, "")
        text = f"{prefix}{what}{f' due {when}' if when else ''}, bed {patient.bed or '?'}, {ward.name}."
    return Content(subject=text, sms=text, text=text, html=format_html("<p>{}</p>", text))


def local_time(moment: dt.datetime, ward) -> str:
    return formats.time_format(in_zone(moment, ward.zone), "H:i")


def email_address(reminder: Reminder) -> str:
    if reminder.recipient_patient_id:
        return reminder.recipient_patient.email
    return reminder.recipient_staff.email if reminder.recipient_staff_id else ""


def phone_number(reminder: Reminder) -> str:
    """The E.164 number an SMS goes to: the patient's, or the named staff member's."""
    if reminder.recipient_patient_id:
        return str(reminder.recipient_patient.phone or "")
    return str(reminder.recipient_staff.phone or "") if reminder.recipient_staff_id else ""
