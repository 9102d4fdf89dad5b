"""Delivery under faults, in this process: slow peers on real sockets, a send that kills its worker,
a killed database connection, a host clock that is off. The same faults with real Celery workers
are in tests/notifications/integration/test_faults.py."""

import datetime as dt
import json
import time
import uuid
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
import time_machine
from django.core.checks import run_checks
from django.db import connection

from notifications.channels import Transport
from notifications.channels.console import ConsoleTransport
from notifications.channels.email import message_id
from notifications.delivery import deliver, deliver_batch
from notifications.dispatch import LEASE, MAX_ATTEMPTS, claim_due
from notifications.models import Reminder
from notifications.tasks import tasks_for
from tests.conftest import reload_default_protocol
from tests.factories import make_reminder
from tests.notifications.http_peers import WebhookReceiver
from tests.notifications.slow_peers import DribblingHTTPServer, HangingSMTPServer

SECRET = "interface-engine-shared-secret"


def database_now() -> dt.datetime:
    """The database's clock, as Django's Now() reads it (the statement's time, not the transaction's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        return cursor.fetchone()[0]


def webhook_to(settings, url: str, deadline: float) -> None:
    settings.WEBHOOK_URL, settings.WEBHOOK_SECRET, settings.WEBHOOK_TIMEOUT_SECONDS = url, SECRET, deadline
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "webhook": "notifications.channels.webhook.WebhookTransport"
    }


def deliver_due_at(now: dt.datetime) -> dict[int, str]:
    """One dispatch pass at `now` (a moment on the database's clock), each claimed reminder delivered."""
    return {pk: deliver(pk, token, now=now) for pk, token in claim_due(now)}


# 1. A send never outlives its lease.


def test_a_webhook_answering_byte_by_byte_is_cut_off_at_its_deadline_and_never_sent_twice_at_once(procedure, settings):
    start = database_now()
    with DribblingHTTPServer(every=0.05) as server:  # 10 kB at 20 bytes a second: over eight minutes
        webhook_to(settings, server.url, deadline=0.5)
        alert = make_reminder(procedure, "slow:alert", channel="webhook", due_at=start)
        durations, outcomes = [], []
        for attempt in range(MAX_ATTEMPTS):
            began = time.monotonic()
            outcomes.append(deliver_due_at(start + attempt * dt.timedelta(hours=1)).get(alert.pk))
            durations.append(time.monotonic() - began)

    assert outcomes == ["retry"] * (MAX_ATTEMPTS - 1) + ["failed"]
    assert max(durations) < 0.5 + 0.5  # the deadline, not the server's pace
    assert len(server.requests) == MAX_ATTEMPTS and server.overlapping() == []
    alert.refresh_from_db()
    assert (alert.status, alert.attempts, alert.first_due_at) == ("failed", MAX_ATTEMPTS, start)
    assert "took too long" in alert.last_error
    assert Reminder.objects.filter(key=f"failure:{alert.pk}", recipient_role="charge_nurse").exists()


@pytest.mark.parametrize("every", [None, 0.05], ids=["silent", "greeting-byte-by-byte"])
def test_an_smtp_server_that_accepts_and_hangs_is_a_retry_within_the_deadline(procedure, settings, nurse_a, every):
    nurse_a.email = "anne@example.org"
    nurse_a.save()
    with HangingSMTPServer(every=every) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 0.5
        mail = make_reminder(procedure, "hang:mail", channel="email", due_at=database_now(), recipient_staff=nurse_a)
        began = time.monotonic()
        outcome = deliver_due_at(database_now())[mail.pk]
        took = time.monotonic() - began

    assert outcome == "retry" and took < 1.0
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.lease_until) == ("scheduled", 1, None)
    assert dt.timedelta(seconds=3) <= mail.due_at - database_now() <= dt.timedelta(seconds=5)  # staff backoff


def test_start_up_refuses_a_channel_deadline_that_does_not_fit_in_the_lease(settings):
    assert [e.id for e in run_checks() if e.id == "notifications.E003"] == []

    settings.EMAIL_TIMEOUT = LEASE.total_seconds() - 2  # the 3 s margin does not fit

    (error,) = [e for e in run_checks() if e.id == "notifications.E003"]
    assert "EMAIL_TIMEOUT" in error.msg and "REMINDER_LEASE_SECONDS" in error.msg


# 2. Attempts count every claim that reached a send.


class Died(BaseException):
    """What a worker process killed mid-send looks like from inside: the send never returns."""


class Deadly(Transport):
    """Records each send, and dies on the poison."""

    sends: list[str] = []

    def send(self, reminder) -> str:
        self.sends.append(reminder.key)
        if reminder.key == "poison":
            raise Died
        return ""


def test_a_reminder_whose_send_kills_its_worker_is_cut_off_after_max_attempts_and_blocks_no_other(procedure, settings):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "webhook": "tests.notifications.test_reliability.Deadly"
    }
    start = database_now()
    keys = ["before", "poison", "after-1", "after-2"]
    rows = [make_reminder(procedure, key, channel="webhook", due_at=start + i * dt.timedelta(microseconds=1))
            for i, key in enumerate(keys)]  # fmt: skip
    ((_, token), *_) = claimed = claim_due()
    Deadly.sends = []

    deaths = 0
    outcomes = {}
    for _ in range(MAX_ATTEMPTS + 1):  # the task, redelivered after each death of its worker
        try:
            outcomes = deliver_batch([pk for pk, _ in claimed], token)  # its name: from its arguments
        except Died:
            deaths += 1

    assert deaths == MAX_ATTEMPTS
    # A fast channel takes its sends in groups: the poison's group-mates wait for a redelivery or two.
    assert {"after-1", "after-2"} <= set(Deadly.sends[:6])
    assert {key: Deadly.sends.count(key) for key in keys} == {
        "before": 1, "poison": MAX_ATTEMPTS, "after-1": 1, "after-2": 1
    }  # fmt: skip
    assert outcomes == {rows[1].pk: "failed"}
    statuses = dict(Reminder.objects.values_list("key", "status"))
    assert [statuses[key] for key in keys] == ["sent", "failed", "sent", "sent"]
    assert Reminder.objects.get(key="poison").attempts == MAX_ATTEMPTS
    assert Reminder.objects.filter(key=f"failure:{rows[1].pk}", recipient_role="charge_nurse", urgent=True).exists()


def test_a_reminder_that_came_back_from_expired_leases_max_attempts_times_is_failed_by_the_claim(procedure):
    start = database_now()
    spent = make_reminder(procedure, "spent", channel="webhook", due_at=start, status="sending", attempts=MAX_ATTEMPTS,
                 lease_until=start - dt.timedelta(seconds=1), lease_token=uuid.uuid4())  # fmt: skip
    fresh = make_reminder(procedure, "fresh", due_at=start)

    assert [pk for pk, _ in claim_due()] == [fresh.pk]

    spent.refresh_from_db()
    assert (spent.status, spent.lease_until) == ("failed", None)
    assert Reminder.objects.filter(key=f"failure:{spent.pk}").exists()


def test_a_claim_whose_lease_ran_out_in_the_queue_is_no_attempt_but_a_send_that_began_is(procedure):
    start = database_now()
    reminder = make_reminder(procedure, "queued", channel="webhook", due_at=start)
    ((pk, first),) = claim_due()
    ((_, second),) = claim_due(start + LEASE + dt.timedelta(seconds=1))  # the first lease ran out queued

    assert Reminder.objects.get(pk=pk).attempts == 0
    assert deliver(pk, first, now=start + LEASE + dt.timedelta(seconds=1)) == "not held"
    assert deliver(pk, second, now=start + LEASE + dt.timedelta(seconds=1)) == "sent"  # the console transport
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == ("sent", 1)


# 3. The database's clock decides.


@pytest.mark.parametrize("skew", [dt.timedelta(seconds=20), dt.timedelta(seconds=-20)], ids=["ahead", "behind"])
def test_a_host_whose_clock_is_off_sends_nothing_early_and_takes_no_reminder_held_by_another(procedure, skew):
    now = database_now()
    due = make_reminder(procedure, "due", channel="webhook", due_at=now - dt.timedelta(seconds=1))
    make_reminder(procedure, "soon", channel="webhook", due_at=now + dt.timedelta(seconds=10))

    with time_machine.travel(now + skew, tick=False):
        claimed = dict(claim_due())
    assert list(claimed) == [due.pk]  # "soon" is not due on the database's clock, whatever this host thinks

    with time_machine.travel(now + skew + LEASE, tick=False):  # a second host, further off still
        assert claim_due() == []  # the lease runs on the database's clock: still held
        assert deliver(due.pk, claimed[due.pk]) == "sent"

    due.refresh_from_db()
    assert now <= due.sent_at <= database_now()  # the database's time, not the host's


# 4. A burst is spread over every free process.


def test_a_claim_for_providers_goes_to_at_least_eight_tasks_and_one_for_the_ward_inbox_to_one_per_fifty():
    assert [tasks_for(n, providers=True) for n in (1, 6, 50, 51, 300, 1000)] == [1, 6, 8, 8, 8, 20]
    assert [tasks_for(n, providers=False) for n in (1, 6, 50, 51, 300, 1000)] == [1, 1, 1, 2, 6, 20]


def test_the_tasks_of_one_claim_share_it_out_each_reminder_sent_by_one_of_them(procedure, settings):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "webhook": "tests.notifications.test_reliability.Deadly"
    }
    rows = [make_reminder(procedure, f"shared:{i}", channel="webhook", due_at=database_now()) for i in range(4)]
    claimed = claim_due()
    ids, token = [pk for pk, _ in claimed], claimed[0][1]
    Reminder.objects.filter(pk=rows[0].pk).update(sender=uuid.uuid4())  # taken by another task, still sending
    Deadly.sends = []

    first = deliver_batch(ids, token, sender=str(uuid.uuid4()))
    second = deliver_batch(ids, token, sender=str(uuid.uuid4()))

    assert first == {row.pk: "sent" for row in rows[1:]} and second == {}
    assert sorted(Deadly.sends) == ["shared:1", "shared:2", "shared:3"]
    assert Reminder.objects.get(pk=rows[0].pk).status == "sending"  # the other task's to send


class Interrupted(ConsoleTransport):
    """The console (`make run`), with another task of the claim starting while its first print is under way,
    as on a host whose processes all took a share of the claim at once."""

    claim: tuple[list[int], str] | None = None
    printed: list[str] = []

    def send(self, reminder) -> str:
        self.printed.append(reminder.key)
        if Interrupted.claim:
            ids, token = Interrupted.claim
            Interrupted.claim = None
            deliver_batch(ids, token, sender=str(uuid.uuid4()))
        return f"console-{reminder.pk}"


def test_tasks_sharing_a_claim_print_each_console_message_once(procedure, settings):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "webhook": "tests.notifications.test_reliability.Interrupted"
    }
    rows = [make_reminder(procedure, f"console:{i}", channel="webhook", due_at=database_now()) for i in range(4)]
    claimed = claim_due()
    ids, token = [pk for pk, _ in claimed], claimed[0][1]
    Interrupted.claim, Interrupted.printed = (ids, token), []

    deliver_batch(ids, token, sender=str(uuid.uuid4()))

    assert sorted(Interrupted.printed) == [row.key for row in rows]
    assert set(Reminder.objects.filter(pk__in=ids).values_list("status", flat=True)) == {"sent"}


def test_a_task_takes_one_send_at_a_time_from_a_slow_provider_so_that_the_others_take_their_share(
    procedure, settings, monkeypatch
):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "webhook": "tests.notifications.test_reliability.Interrupted"
    }
    monkeypatch.setattr("notifications.delivery.LAST_PACE", 1.0)  # this process's last sends were slow
    rows = [make_reminder(procedure, f"slow:{i}", channel="webhook", due_at=database_now()) for i in range(3)]
    claimed = claim_due()
    ids, token = [pk for pk, _ in claimed], claimed[0][1]
    Interrupted.claim, Interrupted.printed = (ids, token), []  # another task starts during the first send

    outcomes = deliver_batch(ids, token, sender=str(uuid.uuid4()))

    assert outcomes == {rows[0].pk: "sent"}  # it had taken only the first: the other task took the rest
    assert Interrupted.printed == [row.key for row in rows]


def test_a_task_whose_channel_turns_out_slow_has_others_help_it_once(procedure, settings, monkeypatch):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "webhook": "tests.notifications.test_reliability.Deadly"
    }
    monkeypatch.setattr("notifications.delivery.SHARE_AFTER", 0.0)  # any pace is slow
    rows = [make_reminder(procedure, f"slow:{i}", channel="webhook", due_at=database_now()) for i in range(4)]
    claimed = claim_due()
    helped = []

    outcomes = deliver_batch([pk for pk, _ in claimed], claimed[0][1], share=lambda: helped.append(1))

    assert helped == [1]  # after the first send, once
    assert outcomes == {row.pk: "sent" for row in rows}  # and it goes on taking what nobody else took


# 5. Recovery is quick once a channel answers again.


def test_a_success_on_a_channel_brings_its_waiting_retries_forward_and_keeps_their_first_due_time(
    procedure, settings, monkeypatch
):
    monkeypatch.setattr("notifications.delivery.ANSWERED", {})  # no success on the channel in the last second
    start = database_now()
    with WebhookReceiver() as engine:
        webhook_to(settings, f"{engine.url}/tracker-events", deadline=2)
        failing = make_reminder(procedure, "first", channel="webhook", due_at=start - dt.timedelta(minutes=1))
        engine.fail_next(503)
        assert deliver_due_at(start) == {failing.pk: "retry"}
        failing.refresh_from_db()
        assert failing.due_at > start

        later = make_reminder(procedure, "second", channel="webhook", due_at=start + dt.timedelta(seconds=1))
        assert deliver_due_at(start + dt.timedelta(seconds=1)) == {later.pk: "sent"}
        failing.refresh_from_db()
        assert (failing.due_at, failing.first_due_at) == (
            start + dt.timedelta(seconds=1),
            start - dt.timedelta(minutes=1),
        )

        assert deliver_due_at(start + dt.timedelta(seconds=1)) == {failing.pk: "sent"}

    payloads = [json.loads(request["body"]) for request in engine.received]
    assert [p["key"] for p in payloads] == ["first", "second", "first"]
    assert payloads[2]["due_at"] == payloads[0]["due_at"] == (start - dt.timedelta(minutes=1)).isoformat()


# 6. Settling survives a database blip.


class CutsTheDatabase(Transport):
    """Sends, and meanwhile the worker's database connection is killed (a failover, a restart)."""

    sends = 0

    def send(self, reminder) -> str:
        type(self).sends += 1
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        kill_backend(pid)
        return "delivered-once"


def kill_backend(pid: int) -> None:
    db = connection.settings_dict
    with psycopg.connect(
        dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"], autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not go"
            time.sleep(0.01)


@pytest.fixture
def committed_db(transactional_db):
    """Real commits (the connection is killed mid-test), with the default protocol back after a flush."""
    reload_default_protocol()


def test_a_killed_connection_does_not_turn_a_delivered_message_into_a_duplicate(committed_db, procedure, settings):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "webhook": "tests.notifications.test_reliability.CutsTheDatabase"
    }
    reminder = make_reminder(procedure, "blip", channel="webhook", due_at=database_now())
    ((pk, token),) = claim_due()
    CutsTheDatabase.sends = 0

    assert deliver(pk, token) == "sent"

    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.provider_message_id) == ("sent", 1, "delivered-once")
    assert CutsTheDatabase.sends == 1
    assert claim_due() == []


# 7. Idempotency downstream.


def test_an_email_message_id_is_the_same_for_every_send_of_a_reminder_and_only_for_it():
    assert message_id("m12:nurse:email") == message_id("m12:nurse:email") != message_id("m13:nurse:email")
    assert message_id("m12:nurse:email").startswith("<reminder.")
    assert message_id("m12:nurse:email").endswith("@recovery-tracker>")


def test_an_sms_carries_its_reminder_key_in_the_status_callback(twilio_api, procedure, settings, patient):
    settings.TWILIO_STATUS_CALLBACK_URL = "https://tracker.example.org/sms/status/"
    sms = make_reminder(
        procedure, "m1:patient:sms:due", channel="sms", due_at=database_now(), recipient_patient=patient,
        message_key="pain_checkin",
    )  # fmt: skip

    assert deliver_due_at(database_now()) == {sms.pk: "sent"}, Reminder.objects.get(pk=sms.pk).last_error

    (form,) = twilio_api.received
    callback = urlparse(form["StatusCallback"])
    assert (callback.netloc, callback.path) == ("tracker.example.org", "/sms/status/")
    assert parse_qs(callback.query) == {"reminder": ["m1:patient:sms:due"]}
