"""What happens when a patient texts back: STOP ends every message (to everyone with that number), a
number from 0 to 10 alone is a pain score (during a questionnaire's window, also its pain at rest),
red-flag words alert the ward, anything else goes to the ward inbox for a nurse to read. The text is
kept, and read once even if the provider retries.
"""

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from notifications.alerts import raise_alert
from notifications.inbound.reading import Reply, read_reply
from notifications.messages import PATIENT_REPLY, REPLY_ALERT, REPLY_RECEIVED, STOP_CONFIRMATION
from notifications.models import InboundMessage, Reminder
from notifications.outbox import cancel_patient_reminders
from notifications.patient_links import revoke_links
from procedures.languages import ENGLISH, in_every_language
from procedures.models import PainScore, Patient, Procedure, Staff
from procedures.phones import to_e164
from procedures.questionnaires import fill_pain_rest
from procedures.recording import pain_flags_for, record_pain_score
from procedures.red_flag_words import TOPIC_NAMES as TOPICS  # the topics of notifications.inbound.reading
from procedures.red_flags import RedFlag, RedFlagKind

logger = logging.getLogger(__name__)


def receive_reply(*, sender: str, body: str, provider_message_id: str, now: dt.datetime) -> InboundMessage:
    """Record a patient's text and act on it; the same provider message id twice is read once."""
    try:
        with transaction.atomic():
            return read_and_act(sender, body, provider_message_id, now)
    except IntegrityError:  # the provider's retry raced its first delivery: that one acts
        return InboundMessage.objects.get(provider_message_id=provider_message_id)


def read_and_act(sender: str, body: str, provider_message_id: str, now: dt.datetime) -> InboundMessage:
    known = InboundMessage.objects.filter(provider_message_id=provider_message_id).first()
    if known:
        return known
    reply = read_reply(body)
    patients = patients_with_number(sender)
    patient = patients[0] if patients else None
    procedure = patient and current_procedure(patient)
    message = InboundMessage.objects.create(
        provider_message_id=provider_message_id,
        sender=sender,
        body=body,
        received_at=now,
        patient=patient,
        procedure=procedure,
        stop=reply.stop,
        score=reply.score,
        red_flags=reply.red_flags,
    )
    if reply.stop:
        stop_messages(message, patients, now)
    elif procedure is None:
        logger.warning("Reply %s from a number no patient with a procedure has.", provider_message_id)
    else:
        act_on(reply, message, procedure, now)
    return message


def patients_with_number(sender: str) -> list[Patient]:
    """The patients with this mobile number, the latest admitted first (a couple may share one)."""
    try:
        number = to_e164(sender)
    except ValidationError:  # a short code, an alphanumeric sender
        return []
    return list(Patient.objects.filter(phone=number).select_related("ward").order_by("-pk"))


def current_procedure(patient: Patient) -> Procedure | None:
    return patient.procedures.exclude(status=Procedure.Status.CANCELLED).order_by("-pk").first()


def stop_messages(message: InboundMessage, patients: list[Patient], now: dt.datetime) -> None:
    """STOP (or ARRET): consent ends now for everyone with this number, nothing more is sent to any
    of them but one confirmation (one phone, one text); each one's ward is told."""
    confirmed = False
    for patient in patients:
        patient.messaging_consent = False
        patient.save(update_fields=["messaging_consent"])
        cancel_patient_reminders(patient)
        revoke_links(patient)
        procedure = current_procedure(patient)
        if procedure is None:
            continue
        if not confirmed:
            tell_patient(message, procedure, STOP_CONFIRMATION, now, patient=patient)
            confirmed = True
        tell_ward(message, procedure, lambda: _("The patient replied STOP: no more messages will be sent."), now)


def act_on(reply: Reply, message: InboundMessage, procedure: Procedure, now: dt.datetime) -> None:
    alarming = bool(reply.red_flags)
    if reply.score is not None:
        try:
            pain = record_pain_score(
                procedure=procedure, score=reply.score, recorded_at=now, source=PainScore.Source.PATIENT, now=now
            )
        except ValidationError as refused:
            reason = refused.messages[0]
            tell_ward(
                message,
                procedure,
                lambda: (
                    _("Pain %(score)s/10 by text, not recorded: %(reason)s") % {"score": reply.score, "reason": reason}
                ),
                now,
            )
        else:
            alarming |= bool(pain_flags_for(procedure, pain))
            fill_pain_rest(procedure=procedure, score=reply.score, at=now)
    if reply.red_flags:
        flag = RedFlag.written(
            RedFlagKind.PATIENT_REPORTED,
            lambda: (
                _("The patient's text mentions: %(topics)s")
                % {"topics": ", ".join(str(TOPICS.get(topic, topic)) for topic in reply.red_flags)}
            ),
        )
        raise_alert(procedure=procedure, flag=flag, source=message, now=now)
    if not reply.understood:
        tell_ward(
            message,
            procedure,
            lambda: _("Text from the patient, not understood: “%(text)s”") % {"text": message.body[:200]},
            now,
        )
        return
    if message.patient.messaging_consent:
        tell_patient(message, procedure, REPLY_ALERT if alarming else REPLY_RECEIVED, now)


def tell_patient(
    message: InboundMessage, procedure: Procedure, message_key: str, now: dt.datetime, *, patient: Patient | None = None
) -> None:
    Reminder.objects.plan(
        key=f"reply:{message.pk}:patient",
        kind=Reminder.Kind.REPLY,
        ward=procedure.patient.ward,
        procedure=procedure,
        recipient_patient=patient or message.patient,
        channel=Reminder.Channel.SMS,
        message_key=message_key,
        urgent=True,
        due_at=now,
    )


def tell_ward(message: InboundMessage, procedure: Procedure, write, now: dt.datetime) -> None:
    """A line in the ward inbox, on the board until a nurse acknowledges it (one per patient's procedure);
    `write()` writes it in the active language, and is called once per language so every nurse reads
    it in her own."""
    key = (
        f"reply:{message.pk}:ward"
        if procedure.patient_id == message.patient_id
        else f"reply:{message.pk}:ward:{procedure.pk}"
    )
    summaries = {code: text[:300] for code, text in in_every_language(write).items()}
    Reminder.objects.plan(
        key=key,
        kind=Reminder.Kind.REPLY,
        ward=procedure.patient.ward,
        procedure=procedure,
        recipient_role=Staff.Role.NURSE,
        channel=Reminder.Channel.INAPP,
        message_key=PATIENT_REPLY,
        summary=summaries[ENGLISH],
        summaries=summaries,
        due_at=now,
    )
