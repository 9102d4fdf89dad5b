"""Fault drills with real processes: a Redis server really killed and restarted, two beats at once.

Each drill asserts what a ward relies on: nothing lost, nothing sent twice, and deliveries back
within seconds once the fault is over.
"""

import datetime as dt
import time
from collections import Counter

import pytest
from django.utils import timezone

from notifications.dispatch import LEASE
from notifications.models import Reminder
from tests.notifications.integration.conftest import arrived_keys, make_reminders, wait_for
from tests.notifications.recording import arrivals

pytestmark = pytest.mark.integration

RESUME_WITHIN = 5  # seconds after Redis answers again


def test_a_redis_server_killed_and_restarted_then_down_for_a_while_heals_by_itself(celery, private_redis, procedure):
    worker = celery.worker(concurrency=2)
    beat = celery.beat()
    dispatcher = celery.dispatchers[0]
    start = timezone.now()
    # Four reminders a second for 24 s: some due before each fault, some during, some after.
    for i in range(96):
        make_reminders(procedure, 1, start + dt.timedelta(seconds=2 + i / 4), prefix=f"redis-{i:02d}")
    wait_for(lambda: len(arrivals()) >= 4, timeout=30, what="the first deliveries")

    private_redis.kill()  # killed and restarted at once: everything it held is gone
    private_redis.start()
    back_at = time.time()
    wait_for(lambda: arrived_after(back_at), timeout=RESUME_WITHIN + 10, what="a delivery after the restart")
    first_after_restart = min(a["at"] for a in arrivals() if a["at"] > back_at) - back_at

    wait_for(lambda: len(arrivals()) >= 40, timeout=30, what="deliveries before the outage")
    private_redis.kill()  # down for a while this time
    time.sleep(6)
    private_redis.start()
    back_again_at = time.time()
    wait_for(lambda: arrived_after(back_again_at), timeout=RESUME_WITHIN + 10, what="a delivery after the outage")
    first_after_outage = min(a["at"] for a in arrivals() if a["at"] > back_again_at) - back_again_at

    # Tasks Redis held when it was killed are gone; their reminders come back when their lease runs out.
    wait_for(lambda: len(set(arrived_keys())) == 96, timeout=LEASE.total_seconds() + 40, what="all 96")
    time.sleep(2)  # time for a duplicate to show up, if there were one
    keys = Counter(arrived_keys())
    print(f"\nresumed {first_after_restart:.1f} s after the restart, {first_after_outage:.1f} s after the outage")
    assert len(keys) == 96 and max(keys.values()) == 1
    assert first_after_restart <= RESUME_WITHIN
    assert first_after_outage <= RESUME_WITHIN
    assert all(process.poll() is None for process in (worker, beat, dispatcher)), "a process exited"
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    # Reminders due once Redis was back are on time again.
    late = [a["at"] - a["due"] for a in arrivals() if a["due"] > back_again_at + 1]
    assert late and max(late) < 3


def arrived_after(moment: float) -> bool:
    return any(arrival["at"] > moment for arrival in arrivals())


def test_two_beats_at_once_neither_repeat_nor_slow_deliveries(celery, procedure):
    celery.worker(concurrency=2)
    celery.beat()
    celery.beat()  # a second beat, as if started on a second host
    celery.dispatcher()  # and that host's dispatch worker
    start = timezone.now()
    for i in range(80):
        make_reminders(procedure, 1, start + dt.timedelta(seconds=2 + i / 10), prefix=f"beats-{i:02d}")

    wait_for(lambda: len(set(arrived_keys())) == 80, timeout=60, what="all 80")
    time.sleep(2)
    keys = Counter(arrived_keys())
    lateness = sorted(a["at"] - a["due"] for a in arrivals())
    print(f"\nlateness p50 {lateness[len(lateness) // 2]:.2f} s, max {lateness[-1]:.2f} s")
    assert len(keys) == 80 and max(keys.values()) == 1
    assert lateness[-1] < 2  # one beat: ~0.3 s; two beats must not make it worse than a dispatch interval
