"""Every message key a reminder can carry (`Reminder.message_key`), and what each means: the one registry.

A protocol step names its message (`ProtocolStep.message_key`, or its code); the tracker's own
messages (replies, the STOP confirmation, the patient's link, red flags) are named here. A key
patients receive has its `PatientWords`: its template (notifications/templates/notifications/patient/),
its e-mail subject, how the patient's page names the step, and for an appointment how the message
names it. Staff messages are written from the reminder itself (notifications.content).
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The tracker's own messages to patients.
STOP_CONFIRMATION = "stop_confirmation"  # the one text after STOP: sent even though consent has just ended
REPLY_RECEIVED = "reply_received"  # thanks for a text that was read
REPLY_ALERT = "reply_alert"  # thanks for a text that raised a red flag: the ward will call
PATIENT_LINK = "patient_link"  # her own page, sent at a nurse's request

# The tracker's own messages to staff.
PATIENT_REPLY = "patient_reply"  # a patient's text, in the ward inbox
RED_FLAG = "red_flag"  # an alert: `Reminder.red_flag` says which red flag


@dataclass(frozen=True)
class PatientWords:
    template: str
    subject: Promise
    page_title: Promise | None = None  # the step as the patient's page names it (protocol labels are for staff)
    appointment: Promise | None = None  # "your follow-up X-ray": announced the day before and on the morning


PATIENT_MESSAGES: dict[str, PatientWords] = {
    "may_stand": PatientWords("may_stand", _("You may stand up"), page_title=_("First time standing up, with a nurse")),
    "discharge_advice": PatientWords(
        "discharge_advice", _("Going home: what to watch for"), page_title=_("Going home")
    ),
    "pain_checkin": PatientWords(
        "pain_checkin", _("How is your pain today?"), page_title=_("Pain check-in by text message")
    ),
    "xray_followup": PatientWords(
        "appointment",
        _("Your follow-up X-ray"),
        page_title=_("Follow-up X-ray"),
        appointment=_("your follow-up X-ray"),
    ),
    "review": PatientWords(
        "appointment",
        _("Your follow-up review"),
        page_title=_("Follow-up review"),
        appointment=_("your follow-up review"),
    ),
    "questionnaire": PatientWords("questionnaire", _("A few questions on your recovery")),
    "questionnaire_reminder": PatientWords("questionnaire_reminder", _("Reminder: a few questions on your recovery")),
    STOP_CONFIRMATION: PatientWords("stop_confirmation", _("No more messages")),
    REPLY_RECEIVED: PatientWords("reply_received", _("Your answer was received")),
    REPLY_ALERT: PatientWords("reply_received", _("Your answer was received")),
    PATIENT_LINK: PatientWords("patient_link", _("Your next steps")),
}

# Appointments: announced to the patient the day before and on the morning, with a calendar file.
APPOINTMENT_KEYS = frozenset(key for key, message in PATIENT_MESSAGES.items() if message.appointment)
