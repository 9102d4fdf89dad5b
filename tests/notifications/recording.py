"""A transport that records each arrival (reminder id, key, UTC time) in a Redis list.

Used by the integration tests and the delivery benchmark: worker processes deliver to it, and
the test process reads what arrived, when, and how often.
"""

import functools
import json
import os
import signal
import time

import redis

from notifications.channels.base import DeliveryError, Transport

ARRIVALS = "recording-transport:arrivals"
# Fault drills (benchmarks.faults): while this key exists in the recorder's Redis, every send fails as a
# provider answering 503 would; and the reminder whose key is RECORDING_POISON_KEY kills its process
# (after its arrival is recorded: the provider had it, then the worker died).
FAILING = "recording-transport:failing"


@functools.cache  # one connection pool per process, not a new connection per arrival
def recorder() -> redis.Redis:
    return redis.Redis.from_url(os.environ.get("RECORDING_REDIS_URL", "redis://127.0.0.1:6379/13"))


class RecordingTransport(Transport):
    def send(self, reminder) -> str:
        if recorder().exists(FAILING):
            raise DeliveryError("503 Service Unavailable (recording transport)")
        delay = float(os.environ.get("RECORDING_DELAY_SECONDS", "0"))
        if delay:
            time.sleep(delay)  # a slow provider, to have deliveries in flight when a worker dies
        arrival = {
            "id": reminder.pk, "key": reminder.key, "at": now(), "due": reminder.due_at.timestamp(),
            "pid": os.getpid(),
        }  # fmt: skip
        recorder().rpush(ARRIVALS, json.dumps(arrival))
        if reminder.key == os.environ.get("RECORDING_POISON_KEY"):
            os.kill(os.getpid(), signal.SIGKILL)  # a message that kills its worker process, every time
        return f"recorded-{reminder.pk}"


def now() -> float:
    """This host's clock; or, with RECORDING_CLOCK=redis, the recorder's (a drill that skews a worker's clock)."""
    if os.environ.get("RECORDING_CLOCK") == "redis":
        seconds, microseconds = recorder().time()
        return seconds + microseconds / 1e6
    return time.time()


def arrivals() -> list[dict]:
    return [json.loads(item) for item in recorder().lrange(ARRIVALS, 0, -1)]
