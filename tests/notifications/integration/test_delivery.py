"""Reminders through real Celery workers and beat over Redis: on time, once, through crashes."""

import datetime as dt
import signal
import threading
import time
from collections import Counter

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications.dispatch import LEASE, claim_due
from notifications.escalation import acknowledge
from notifications.models import Reminder
from notifications.tasks import hand_out
from procedures.models import Staff
from procedures.recording import report_complication
from procedures.timeline import record_event
from tests.notifications.integration.conftest import arrived_keys, broker, make_reminders, wait_for
from tests.notifications.recording import arrivals

pytestmark = pytest.mark.integration

DISPATCH_INTERVAL = dt.timedelta(seconds=1)


def test_a_reminder_due_in_a_few_seconds_is_delivered_once_within_two_seconds(celery, procedure, nurse_a):
    celery.worker()
    celery.beat()
    # cement_hardened is due 10 minutes after the injection: make that three seconds from now.
    due_at = timezone.now() + dt.timedelta(seconds=3)
    record_event(procedure=procedure, kind="cement_injected", at=due_at - dt.timedelta(minutes=10), by=nurse_a)

    wait_for(arrivals, timeout=15, what="the reminder")
    time.sleep(2)  # time for a duplicate to show up, if there were one

    (arrival,) = arrivals()
    lateness = arrival["at"] - due_at.timestamp()
    print(f"\nlateness: {lateness:.3f} s")
    assert 0 <= lateness < 2
    assert Reminder.objects.get(key=arrival["key"]).status == "sent"


def test_a_worker_killed_while_holding_reminders_loses_none_and_repeats_none(celery, procedure):
    # A slow provider (0.3 s a message) keeps deliveries in the killed worker's hands.
    first = celery.worker(concurrency=2, RECORDING_DELAY_SECONDS="0.3")
    now = timezone.now()
    make_reminders(procedure, 20, now, prefix="due")
    make_reminders(procedure, 10, now + dt.timedelta(seconds=2), prefix="near")
    celery.beat()
    wait_for(lambda: len(arrivals()) >= 3, timeout=15, what="the first deliveries")

    celery.kill(first, signal.SIGKILL)
    killed_at = time.time()
    celery.worker(concurrency=2)

    wait_for(lambda: len(set(arrived_keys())) == 30, timeout=LEASE.total_seconds() + 20, what="all 30")
    time.sleep(2)
    keys = Counter(arrived_keys())
    recovered = max(a["at"] for a in arrivals()) - killed_at
    print(f"\nall delivered {recovered:.1f} s after the kill; duplicates: {sum(keys.values()) - len(keys)}")
    assert len(keys) == 30
    assert recovered <= (LEASE + DISPATCH_INTERVAL).total_seconds() + 3  # + worker start-up
    # A delivery cut off between the provider's answer and its settlement is the one case that can
    # repeat on an external channel; count it rather than hide it.
    assert sum(keys.values()) - len(keys) <= 2
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}


def test_a_flushed_broker_loses_nothing_and_repeats_nothing(celery, procedure):
    celery.worker()
    celery.beat()
    now = timezone.now()
    make_reminders(procedure, 50, now + dt.timedelta(seconds=1), prefix="before")
    make_reminders(procedure, 50, now + dt.timedelta(seconds=4), prefix="after")
    wait_for(lambda: len(arrivals()) >= 1, timeout=15, what="the first deliveries")

    broker().flushdb()  # everything Redis held (queued tasks, unacked messages) is gone

    wait_for(lambda: len(set(arrived_keys())) == 100, timeout=LEASE.total_seconds() + 20, what="all 100")
    time.sleep(2)
    assert len(arrived_keys()) == 100


def test_two_dispatchers_at_once_deliver_each_of_500_reminders_exactly_once(celery, procedure):
    celery.worker(concurrency=4)
    make_reminders(procedure, 500, timezone.now())
    claimed = []

    def dispatcher():
        for _ in range(20):
            claimed.extend(pk for pk, token in claim_and_enqueue())
        connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # On a loaded machine a task can wait in the queue longer than its lease: the worker then drops
    # it ("not held") and the next dispatch pass claims it again, as in production.
    celery.beat()
    wait_for(lambda: len(arrivals()) >= 500, timeout=LEASE.total_seconds() + 60, what="500 deliveries")
    time.sleep(2)
    assert len(claimed) == len(set(claimed)) == 500
    assert Counter(arrived_keys()).most_common(1)[0][1] == 1
    assert len(arrivals()) == 500


def claim_and_enqueue() -> list[tuple[int, str]]:
    claimed = claim_due(timezone.now(), limit=60)
    hand_out(claimed)
    return claimed


def test_a_moved_or_cancelled_reminder_never_fires_at_its_old_time(celery, make_procedure, nurse_a):
    celery.worker()
    celery.beat()
    moved, cancelled = make_procedure(), make_procedure()
    injected = timezone.now() + dt.timedelta(seconds=3) - dt.timedelta(minutes=10)
    for procedure in (moved, cancelled):
        record_event(procedure=procedure, kind="cement_injected", at=injected, by=nurse_a)

    record_event(procedure=moved, kind="cement_injected", at=injected + dt.timedelta(minutes=2), by=nurse_a)
    record_event(procedure=cancelled, kind="cancelled", at=timezone.now(), by=nurse_a)
    time.sleep(6)

    assert arrivals() == []
    hardened = Reminder.objects.get(procedure=moved, milestone__step__code="cement_hardened")
    assert (hardened.status, hardened.due_at) == ("scheduled", injected + dt.timedelta(minutes=12))


def test_a_reminder_twelve_hours_out_is_delivered_once_at_its_time_whatever_the_visibility_timeout(
    celery, procedure, nurse_a
):
    # The broker's visibility timeout is 5 s for this worker; nothing waits in Redis for 12 hours.
    celery.worker(CELERY_VISIBILITY_TIMEOUT="5")
    start = timezone.now()
    record_event(procedure=procedure, kind="cement_injected", at=start, by=nurse_a)
    stand = Reminder.objects.get(procedure=procedure, milestone__step__code="may_stand", recipient_role="nurse")
    assert stand.due_at == start + dt.timedelta(hours=12)

    # Dispatch passes as the database's clock will read then (claim_due's `now`: a moment on that clock).
    for offset in [dt.timedelta(hours=6), dt.timedelta(hours=12) - dt.timedelta(seconds=1)]:
        assert stand.pk not in [pk for pk, _ in claim_due(start + offset)]
    hand_out(claim_due(start + dt.timedelta(hours=12)))
    wait_for(lambda: stand.key in arrived_keys(), timeout=15, what="the may-stand reminder")
    hand_out(claim_due(start + dt.timedelta(hours=13)))
    time.sleep(2)

    assert arrived_keys().count(stand.key) == 1


def test_a_red_flag_alert_climbs_the_chain_through_real_workers_until_acknowledged(celery, procedure, ward_a):
    carol = Staff.objects.create_user("carol", email="carol@example.org", role=Staff.Role.CHARGE_NURSE)
    carol.wards.add(ward_a)
    celery.worker()
    celery.beat()
    with transaction.atomic():
        report_complication(procedure=procedure, kind="neuro_deficit", severity="severe", noted_at=timezone.now(),
                            by=carol)  # fmt: skip
        # Three minutes is the clinical setting; two seconds keeps the test short.
        Reminder.objects.filter(kind="alert").update(acknowledge_within=dt.timedelta(seconds=2))

    def both_level_one_escalations_sent():  # two channels: wait for both, not whichever lands first
        sent = list(Reminder.objects.filter(kind="escalation", status="sent"))
        return sent if len(sent) == 2 else None

    escalated = wait_for(both_level_one_escalations_sent, timeout=30, what="both level-1 escalations")
    alert = Reminder.objects.get(kind="alert")
    acknowledge(reminder=alert, by=carol)
    time.sleep(3)

    assert {(r.escalation_level, r.recipient, r.channel) for r in escalated} == {
        (1, "role:charge_nurse", "inapp"), (1, f"staff:{carol.pk}", "email"),
    }  # fmt: skip
    delivered = Counter(arrived_keys())
    assert delivered[alert.key] == 1 and all(delivered[r.key] == 1 for r in escalated)
    assert Reminder.objects.filter(kind="escalation").count() == 2
    assert set(Reminder.objects.filter(escalates=alert).values_list("acknowledged_by", flat=True)) == {carol.pk}
