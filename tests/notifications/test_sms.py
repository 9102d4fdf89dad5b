"""SMS through the real Twilio SDK, to a local server that speaks Twilio's Messages API."""

import datetime as dt
import re
import socket

import pytest
import time_machine

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.models import Reminder
from procedures.timeline import record_event

INJECTED = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)
# The patient's "may stand" falls at 21:00 in Paris: quiet hours hold it until 08:00 (07:00 UTC).
STAND_SENT = dt.datetime(2026, 2, 11, 7, 0, tzinfo=dt.UTC)


@pytest.fixture
def stand_sms(procedure, nurse_a) -> Reminder:
    with time_machine.travel(INJECTED, tick=False):
        record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)
    return Reminder.objects.get(procedure=procedure, milestone__step__code="may_stand", channel="sms")


def send(reminder: Reminder, at: dt.datetime = STAND_SENT) -> str:
    with time_machine.travel(at, tick=False):
        claimed = dict(claim_due(at))
        outcome = deliver(reminder.pk, claimed[reminder.pk], now=at)
    reminder.refresh_from_db()
    return outcome


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "fr",
            "Bonjour Jeanne, le ciment de votre vertèbre est maintenant solide : à partir de mardi 10 février, 21:00",
        ),
        ("en", "Hello Jeanne, the cement in your back is now firm: from Tuesday 10 February, 21:00"),
    ],
)
def test_the_patient_gets_the_sms_in_her_language_through_the_twilio_sdk(
    twilio_api, stand_sms, patient, language, words
):
    patient.language = language
    patient.save()

    assert send(stand_sms) == "sent"

    (message,) = twilio_api.received
    assert (message["To"], message["From"]) == ("+33612345678", "+33700000000")
    assert message["Body"].startswith(words), message["Body"]
    assert "/p/" in message["Body"]  # her own page
    assert stand_sms.status == "sent" and stand_sms.provider_message_id.startswith("SM")
    words = re.sub(r"https?://\S+", "", message["Body"])  # the link's random key may hold "L1"
    assert "Martin" not in words and "L1" not in words


def test_a_messaging_service_is_used_when_configured(twilio_api, stand_sms, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32

    send(stand_sms)

    (message,) = twilio_api.received
    assert message["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in message


def test_a_number_twilio_refuses_fails_at_once_and_is_reported(twilio_api, stand_sms):
    twilio_api.fail_next(400, {"code": 21614, "message": "'To' number is not a valid mobile number"})

    assert send(stand_sms) == "failed"

    assert stand_sms.attempts == 1 and "21614" in stand_sms.last_error
    assert Reminder.objects.filter(
        kind="failure", key=f"failure:{stand_sms.pk}", recipient_role="charge_nurse"
    ).exists()


@pytest.mark.parametrize("status", [429, 500, 503, 401])
def test_a_busy_or_broken_provider_means_a_retry_with_backoff(twilio_api, stand_sms, status):
    twilio_api.fail_next(status)

    assert send(stand_sms) == "retry"

    assert stand_sms.status == "scheduled" and stand_sms.due_at > STAND_SENT + dt.timedelta(seconds=14)
    assert f"Twilio {status}" in stand_sms.last_error
    assert send(stand_sms, at=stand_sms.due_at) == "sent"
    assert len(twilio_api.received) == 1


def test_an_unreachable_provider_means_a_retry(twilio_api, stand_sms, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.TWILIO_API_BASE = f"http://127.0.0.1:{closed.getsockname()[1]}"  # bound, not listening

        assert send(stand_sms) == "retry"

    assert "Twilio unreachable" in stand_sms.last_error


def test_a_name_with_an_apostrophe_and_an_ampersand_arrives_unescaped(twilio_api, stand_sms, patient):
    patient.given_name = "O'Brien & fils"
    patient.save()

    assert send(stand_sms) == "sent"

    (sms,) = twilio_api.received
    assert sms["Body"].startswith("Bonjour O'Brien & fils, ")
