"""Real Celery worker and beat processes, on the real Redis broker and the test database.

The processes run `celery -A tracker` with the test settings, pointed at the database this test
uses; every channel delivers to the Redis recorder of tests/notifications/recording.py. Each
process is started in its own session and killed with its whole group when the test ends.
Delivery workers serve the default queue; `beat()` also starts the dispatch worker (its own
queue, one process), as the Procfile does. `private_redis` is a Redis server of the test's own,
on a free port, that a test may kill and restart.
"""

import contextlib
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from notifications.models import Reminder
from tests.conftest import reload_default_protocol
from tests.notifications.recording import ARRIVALS, arrivals, recorder
from tests.notifications.redis_server import PrivateRedis

ROOT = Path(__file__).resolve().parents[3]
counter = itertools.count()


class Processes:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.running: list[subprocess.Popen] = []
        self.names: dict[int, str] = {}
        self.dispatchers: list[subprocess.Popen] = []
        self.logs = Path(tempfile.mkdtemp(prefix="celery-it-"))

    def start(self, *args: str, **extra_env: str) -> subprocess.Popen:
        name = f"{args[0]}-{next(counter)}"
        log = open(self.logs / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tracker", *args],
            cwd=ROOT, env=self.env | extra_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self.running.append(process)
        self.names[process.pid] = f"{name}.log"
        return process

    def worker(self, concurrency: int = 2, queue: str = "celery", **extra_env: str) -> subprocess.Popen:
        name = f"it{uuid.uuid4().hex[:8]}@localhost"
        process = self.start(
            "worker", "--pool=prefork", f"--concurrency={concurrency}", "--loglevel=INFO", "-n", name, "-Q", queue,
            "--without-gossip", "--without-mingle", **extra_env,
        )  # fmt: skip
        # Ready once it says so in its log: a ping would need the broker the worker uses, which may be a
        # private one (private_redis) rather than this process's.
        wait_for(lambda: "ready." in self.log_of(process), timeout=60, what=f"worker {name}")
        return process

    def dispatcher(self) -> subprocess.Popen:
        process = self.worker(concurrency=1, queue=settings.DISPATCH_QUEUE)
        self.dispatchers.append(process)
        return process

    def beat(self, dispatcher: bool = True) -> subprocess.Popen:
        """Beat, and (unless one runs already, or `dispatcher=False`) the dispatch worker it needs."""
        if dispatcher and not any(process.poll() is None for process in self.dispatchers):
            self.dispatcher()
        schedule = self.logs / f"beat-schedule-{next(counter)}"
        process = self.start("beat", "--loglevel=INFO", f"--schedule={schedule}")
        wait_for(lambda: "Sending due task" in self.log_of(process), timeout=60, what="beat's first tick")
        return process

    def log_of(self, process: subprocess.Popen) -> str:
        return Path(self.logs / self.names[process.pid]).read_text(errors="replace")

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        """Kill every process group at once, and wait until each has gone.

        The test is over: a warm shutdown (each worker finishing its tasks in turn, several seconds
        apiece) proves nothing here. Their database sessions end with them; the broker is flushed next.
        """
        alive = [process for process in self.running if process.poll() is None]
        for process in alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        for process in alive:
            process.wait(timeout=60)  # generous: a busy machine


def wait_for(condition, *, timeout: float, what: str, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}.")


def broker() -> redis.Redis:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


@pytest.fixture
def celery(transactional_db):
    """Start and stop real Celery processes; the broker and the recorder start empty."""
    reload_default_protocol()
    broker().flushdb()
    recorder().delete(ARRIVALS)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "RECORDING_TRANSPORT": "1",
        "DISPATCH_INTERVAL_SECONDS": "1",
        "ESCALATION_INTERVAL_SECONDS": "1",
    }
    processes = Processes(env)
    yield processes
    processes.stop_all()
    broker().flushdb()


@pytest.fixture
def private_redis(celery):
    """A private Redis server as the broker of every process `celery` starts from now on."""
    server = PrivateRedis(Path(tempfile.mkdtemp(prefix="redis-it-")))
    server.start()
    celery.env = celery.env | {"CELERY_BROKER_URL": server.url}
    yield server
    celery.stop_all()  # before the server goes
    server.kill()
    shutil.rmtree(server.directory, ignore_errors=True)


def make_reminders(procedure, count: int, due_at, prefix: str = "it", channel: str = "inapp") -> list[Reminder]:
    return Reminder.objects.bulk_create(
        Reminder(
            key=f"{prefix}:{i}",
            ward=procedure.patient.ward,
            procedure=procedure,
            recipient_role="nurse",
            channel=channel,
            message_key="test",
            due_at=due_at,
        )
        for i in range(count)
    )


def arrived_keys() -> list[str]:
    return [arrival["key"] for arrival in arrivals()]
