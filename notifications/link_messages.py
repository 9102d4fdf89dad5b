"""Sending a patient her own link at a nurse's request, through the outbox like every patient message.

The link itself is written when the message is sent (notifications.content), so a message held
back by a retry still carries a link that opens. Consent is checked here and again at send time.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.messages import PATIENT_LINK
from notifications.models import Reminder
from notifications.outbox import patient_channel
from procedures.models import Patient, Procedure


@transaction.atomic
def send_link(*, patient: Patient, now: dt.datetime | None = None) -> Reminder:
    """Queue the patient's link for sending now, by SMS (or e-mail without a mobile number).

    Pressing the button twice in the same minute sends one message, not two.
    """
    now = now or timezone.now()
    if not patient.messaging_consent:
        raise ValidationError(_("Not sent: the patient has not consented to messages, or has replied STOP."))
    channel = patient_channel(patient)
    if not channel:
        raise ValidationError(_("Not sent: the patient has no mobile number and no e-mail address."))
    procedure = patient.procedures.exclude(status=Procedure.Status.CANCELLED).order_by("-scheduled_at", "-pk").first()
    if procedure is None:
        raise ValidationError(_("Not sent: the patient has no procedure, so her page would be empty."))
    return Reminder.objects.plan(
        key=f"link:{patient.pk}:{channel}:{now:%Y%m%d%H%M}",
        kind=Reminder.Kind.LINK,
        ward=patient.ward,
        procedure=procedure,
        recipient_patient=patient,
        channel=channel,
        message_key=PATIENT_LINK,
        # Asked for by a nurse, usually with the patient in front of her: not held by quiet hours.
        urgent=True,
        due_at=now,
    )
