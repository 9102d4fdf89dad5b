"""E-mail delivery against a real SMTP server (aiosmtpd) started by the test."""

import datetime as dt
import email
import email.policy
import socket
from email.message import Message

import pytest
import time_machine
from aiosmtpd.controller import Controller

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.models import Reminder
from procedures.timeline import record_event

INJECTED = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)


class Mailbox:
    """An SMTP handler that keeps what it is sent, or refuses every recipient with `refuse`."""

    def __init__(self, refuse: str = ""):
        self.messages: list[Message] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 5
    servers = []

    def start(refuse: str = "") -> Mailbox:
        mailbox = Mailbox(refuse)
        controller = Controller(mailbox, hostname="127.0.0.1", port=settings.EMAIL_PORT)
        controller.start()
        servers.append(controller)
        return mailbox

    yield start
    for controller in servers:
        controller.stop()


@pytest.fixture
def escalation_email(procedure, nurse_a, charge_nurse) -> Reminder:
    with time_machine.travel(INJECTED, tick=False):
        record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)
    return Reminder.objects.create(
        key="test:email", kind="escalation", ward=procedure.patient.ward, procedure=procedure,
        milestone=procedure.milestones.get(step__code="may_stand"), recipient_staff=charge_nurse, channel="email",
        message_key="may_stand", due_at=INJECTED + dt.timedelta(hours=12), urgent=True,
    )  # fmt: skip


def deliver_due(now: dt.datetime, reminder: Reminder) -> str | None:
    """Run a dispatch pass at `now`; return what happened to `reminder` (None: not due)."""
    with time_machine.travel(now, tick=False):
        results = {pk: deliver(pk, token, now=now) for pk, token in claim_due(now)}
    return results.get(reminder.pk)


def test_server_down_means_retries_with_backoff_then_delivery_when_it_comes_back(smtp, escalation_email):
    due = escalation_email.due_at

    assert deliver_due(due, escalation_email) == "retry"
    waiting = Reminder.objects.get(pk=escalation_email.pk)
    assert (waiting.status, waiting.attempts) == ("scheduled", 1)
    assert "unreachable" in waiting.last_error
    assert dt.timedelta(seconds=3.75) <= waiting.due_at - due <= dt.timedelta(seconds=5)  # staff: a short backoff
    assert waiting.first_due_at == due
    assert deliver_due(waiting.due_at - dt.timedelta(seconds=1), escalation_email) is None

    mailbox = smtp()
    assert deliver_due(waiting.due_at, escalation_email) == "sent"

    (message,) = mailbox.messages
    sent = Reminder.objects.get(pk=escalation_email.pk)
    assert (sent.status, sent.attempts, sent.provider_message_id) == ("sent", 2, message["Message-ID"])
    assert message["To"] == "carol@example.org" and message["X-Reminder-Key"] == "test:email"
    assert message["Subject"] == "Not acknowledged: May stand due 21:00, bed 12, Ward A (spine)."
    assert "Martin" not in message.as_string() and "MRN" not in message.as_string()


def test_a_permanent_refusal_fails_at_once_is_reported_and_never_retried(smtp, escalation_email):
    mailbox = smtp(refuse="550 5.1.1 No such mailbox")

    assert deliver_due(escalation_email.due_at, escalation_email) == "failed"

    failed = Reminder.objects.get(pk=escalation_email.pk)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert "550" in failed.last_error
    report = Reminder.objects.get(kind="failure")
    assert (report.recipient_role, report.urgent, report.channel) == ("charge_nurse", True, "inapp")
    report_result = deliver_due(escalation_email.due_at + dt.timedelta(hours=1), report)
    assert (report_result, deliver_due(escalation_email.due_at + dt.timedelta(hours=2), failed)) == ("sent", None)
    assert mailbox.messages == []


@pytest.mark.parametrize(
    ("language", "subject", "words"),
    [
        ("en", "Your follow-up X-ray", "your follow-up X-ray is tomorrow, Monday 9 March, 10:00"),
        ("fr", "Votre radiographie de contrôle", "votre radiographie de contrôle a lieu demain, lundi 9 mars, 10:00"),
    ],
)
def test_a_patient_gets_the_follow_up_by_email_with_the_appointment_attached(
    smtp, make_procedure, patient, nurse_a, language, subject, words
):
    patient.phone, patient.email, patient.language = "", "jeanne@example.org", language
    patient.save()
    procedure = make_procedure()
    with time_machine.travel(INJECTED, tick=False):
        # Injected on 9 February at 09:00 in Paris: the X-ray is on 9 March at 10:00.
        record_event(procedure=procedure, kind="cement_injected", at=INJECTED - dt.timedelta(days=1), by=nurse_a)
    day_before = Reminder.objects.get(key__endswith="email:day_before", milestone__step__code="xray_followup_1m")
    mailbox = smtp()

    assert deliver_due(day_before.due_at, day_before) == "sent"

    (message,) = [m for m in mailbox.messages if m["X-Reminder-Key"] == day_before.key]
    parts = {part.get_content_type(): part for part in message.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    assert message["Subject"] == subject and message["To"] == "jeanne@example.org"
    assert words in text and "/p/" in text
    assert "<html" in parts["text/html"].get_payload(decode=True).decode()
    ics = parts["text/calendar"].get_payload(decode=True).decode()
    assert "DTSTART:20260309T090000Z" in ics
