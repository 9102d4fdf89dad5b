"""Delivery: lateness, throughput, duplicates and losses of the outbox, against one ETA task per reminder.

    .venv/bin/python -m benchmarks.delivery [--count 10000] [--burst 2000] [--window 60] [--faults]

Real Celery worker processes (two, prefork, concurrency 2) and beat (dispatch every second) over
real Redis (broker DB 7, arrivals DB 8, both flushed) deliver reminders from a fresh PostgreSQL
database to the recording transport. `count` reminders are due evenly over `window` seconds, and
a burst of `burst` more within one second in the middle of it. The same reminders are then sent
the baseline way: one `apply_async(eta=due_at)` per reminder, enqueued before the window starts.

With --faults, in the middle of each run one worker's process group is killed with SIGKILL (and a
new worker started) and the broker's Redis DB is flushed (FLUSHDB on DB 7: restarting the shared
Redis server would disturb everything else on this machine). The lease is 15 s in that run, 30 s
(the production default) otherwise.
"""

import argparse
import contextlib
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from benchmarks.harness import fresh_database, percentiles, report, setup_django

ROOT = Path(__file__).resolve().parent.parent
# Flushed by each run: BENCH_BROKER_URL and BENCH_RECORDER_URL give another checkout its own.
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/7")
RECORDER_URL = os.environ.get("BENCH_RECORDER_URL", "redis://127.0.0.1:6379/8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--burst", type=int, default=2_000)
    parser.add_argument("--window", type=float, default=60.0, help="seconds over which --count are due")
    parser.add_argument("--faults", action="store_true", help="kill a worker and flush the broker mid-run")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    os.environ["CELERY_BROKER_URL"] = BROKER_URL
    os.environ["RECORDING_REDIS_URL"] = RECORDER_URL
    # The lease runs from the claim, so it must cover the wait in the queue under load (the test
    # settings' 8 s does not: claims expire while queued, are claimed again, and work is wasted).
    os.environ["REMINDER_LEASE_SECONDS"] = "15" if args.faults else "30"
    setup_django()
    with fresh_database():
        rows = [run_outbox(count=args.count, burst=args.burst, window=args.window, faults=args.faults)]
        if not args.no_baseline:
            rows.append(run_baseline(count=args.count, burst=args.burst, window=args.window, faults=args.faults))
    name = "delivery_faults" if args.faults else "delivery"
    notes = (
        f"{args.count} due over {args.window:.0f} s + {args.burst} due in one second; lateness in seconds "
        "(arrival - due_at); 2 workers x concurrency 2 on 2 cores; peak RSS of all worker process trees."
    )
    if args.faults:
        notes += " Faults mid-run: one worker killed (-9) and replaced, broker DB flushed (FLUSHDB, not a restart)."
    report(name, rows, notes=notes)


class Workers:
    """Celery processes, each in its own session so that a kill takes its whole process group."""

    def __init__(self, *, include: str = "", beat: bool = True, broker_url: str = ""):
        from django.conf import settings
        from django.db import connection

        self.env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
            "RECORDING_TRANSPORT": "1",
            "DISPATCH_INTERVAL_SECONDS": "1",
        }
        self.include = include
        self.workers: list[subprocess.Popen] = []
        self.others: list[subprocess.Popen] = []
        self.peak_rss = 0
        self.sampling = True
        self.log = open(os.devnull, "w")  # noqa: SIM115 (closed in stop)
        self.sampler = threading.Thread(target=self.sample, daemon=True)
        self.sampler.start()
        self.with_beat = beat

    def start(self, *args: str, **extra_env: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tracker", *args],
            cwd=ROOT,
            env=self.env | extra_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def worker(self, *, concurrency: int = 2, queue: str = "celery", **extra_env: str) -> subprocess.Popen:
        """A worker on `queue`, waited for until it listens for remote control (then it consumes too)."""
        import redis

        name = f"bench{uuid.uuid4().hex[:8]}@localhost"
        extra = ["-I", self.include] if self.include else []
        process = self.start(
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "-n",
            name,
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            *extra,
            **extra_env,
        )
        (self.workers if queue == "celery" else self.others).append(process)
        # Its control queue bound in the broker it uses (which may not be this process's broker, so no ping).
        broker = redis.Redis.from_url(self.env["CELERY_BROKER_URL"])
        deadline = time.monotonic() + 60
        while not any(name.encode() in member for member in broker.smembers("_kombu.binding.celery.pidbox")):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"worker {name} did not start")
            time.sleep(0.2)
        return process

    def dispatcher(self, **extra_env: str) -> subprocess.Popen:
        """The dispatch worker (its own queue, one process), as in the Procfile."""
        from django.conf import settings

        return self.worker(concurrency=1, queue=settings.DISPATCH_QUEUE, **extra_env)

    def beat(self, *, dispatcher: bool = True, **extra_env: str) -> subprocess.Popen:
        if dispatcher:
            self.dispatcher(**extra_env)
        schedule = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-beat-{uuid.uuid4().hex[:8]}"
        process = self.start("beat", "--loglevel=WARNING", f"--schedule={schedule}", **extra_env)
        self.others.append(process)
        return process

    def kill_one(self) -> None:
        victim = self.workers.pop(0)
        kill_group(victim, signal.SIGKILL)

    def sample(self) -> None:
        while self.sampling:
            groups = {process.pid for process in self.workers}
            self.peak_rss = max(self.peak_rss, rss_of_groups(groups))
            time.sleep(0.25)

    def stop(self) -> None:
        self.sampling = False
        for process in self.workers + self.others:
            kill_group(process, signal.SIGTERM)
        self.log.close()


def kill_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)


def rss_of_groups(groups: set[int]) -> int:
    """Resident memory, in bytes, of every process whose process group is one of `groups`."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            pgrp = int(stat.rsplit(")", 1)[1].split()[2])
            if pgrp in groups:
                total += int((entry / "statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    return total


def due_times(*, start: float, count: int, burst: int, window: float) -> list[float]:
    """`count` evenly over the window, and `burst` at random within one second in its middle."""
    spread = [start + window * i / max(count, 1) for i in range(count)]
    middle = start + window / 2
    return spread + [middle + random.random() for _ in range(burst)]


def make_procedure():
    from django.utils import timezone

    from procedures.models import Patient, Procedure, Staff, Ward
    from procedures.timeline import schedule_procedure

    existing = Procedure.objects.filter(patient__mrn="BENCH-DELIVERY").first()
    if existing:
        return existing
    ward = Ward.objects.create(name="Delivery bench ward", timezone="Europe/Paris")
    nurse = Staff.objects.create_user(f"bench-{uuid.uuid4().hex[:6]}", role=Staff.Role.NURSE)
    patient = Patient.objects.create(
        mrn="BENCH-DELIVERY", given_name="Bench", family_name="Patient", birth_date=dt.date(1945, 1, 1), ward=ward
    )
    return schedule_procedure(
        patient=patient,
        kind="vertebroplasty",
        indication="osteoporotic_fracture",
        levels=["L1"],
        anaesthesia="local",
        scheduled_at=timezone.now() + dt.timedelta(days=1),
        by=nurse,
    )


def insert_reminders(*, prefix: str, dues: list[float], status: str, channel: str = "inapp") -> list[int]:
    """`channel`: the recorder stands in for each; "webhook" makes them a provider's (shared out from the start)."""
    from notifications.models import Reminder

    procedure = make_procedure()
    created = Reminder.objects.bulk_create(
        (
            Reminder(
                key=f"{prefix}:{i}",
                ward_id=procedure.patient.ward_id,
                procedure=procedure,
                recipient_role="nurse",
                channel=channel,
                message_key="bench",
                due_at=dt.datetime.fromtimestamp(due, dt.UTC),
                status=status,
            )
            for i, due in enumerate(dues)
        ),
        batch_size=2000,
    )
    return [reminder.pk for reminder in created]


def reset_redis() -> None:
    import redis
    from django.conf import settings

    from tests.notifications.recording import ARRIVALS, recorder

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    recorder().delete(ARRIVALS)


def flush_broker() -> None:
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()


def run_outbox(*, count: int, burst: int, window: float, faults: bool = False, lead: float = 3.0) -> dict:
    """The outbox design: rows in PostgreSQL, beat claims what is due, workers deliver."""
    reset_redis()
    workers = Workers()
    try:
        workers.worker()
        workers.worker()
        workers.beat()
        # Every row must be in the table before the first is due: a second is allowed per 5,000 inserted.
        start = time.time() + lead + (count + burst) / 5000
        dues = due_times(start=start, count=count, burst=burst, window=window)
        prefix = f"bench-outbox-{uuid.uuid4().hex[:6]}"
        ids = insert_reminders(prefix=prefix, dues=dues, status="scheduled")
        return collect("outbox", ids, dues, burst=burst, start=start, window=window, workers=workers, faults=faults)
    finally:
        workers.stop()


def run_baseline(*, count: int, burst: int, window: float, faults: bool = False) -> dict:
    """The usual design: one apply_async(eta=due_at) per reminder, sent to the broker at once."""
    from benchmarks.baseline import deliver_at_eta

    reset_redis()
    workers = Workers(include="benchmarks.baseline", beat=False)
    try:
        workers.worker()
        workers.worker()
        # Enqueueing takes time: the window starts once every task can be in the broker.
        start = time.time() + 3 + (count + burst) / 800
        dues = due_times(start=start, count=count, burst=burst, window=window)
        prefix = f"bench-baseline-{uuid.uuid4().hex[:6]}"
        # Cancelled rows: the baseline reads them, the outbox dispatcher never claims them.
        ids = insert_reminders(prefix=prefix, dues=dues, status="cancelled")
        enqueue_started = time.time()
        for pk, due in zip(ids, dues, strict=True):
            deliver_at_eta.apply_async((pk,), eta=dt.datetime.fromtimestamp(due, dt.UTC))
        enqueued_in = time.time() - enqueue_started
        row = collect(
            "baseline (ETA)", ids, dues, burst=burst, start=start, window=window, workers=workers, faults=faults
        )
        row["enqueue_s"] = round(enqueued_in, 1)
        row["enqueue_overran"] = enqueue_started + enqueued_in > start
        return row
    finally:
        workers.stop()


def collect(
    design: str, ids: list[int], dues: list[float], *, burst: int, start: float, window: float, workers, faults: bool
) -> dict:
    """Wait for every arrival (or give up 60 s after the last due time), then compute the figures."""
    from tests.notifications.recording import ARRIVALS, arrivals, recorder

    expected = set(ids)
    last_due = max(dues)
    fault_at = start + window / 2
    faulted = False
    give_up = last_due + 60
    while time.time() < give_up:
        if faults and not faulted and time.time() >= fault_at:
            workers.kill_one()
            flush_broker()
            workers.worker()
            faulted = True
        if recorder().llen(ARRIVALS) >= len(expected):
            break
        time.sleep(0.2)
    time.sleep(2)  # late duplicates still show up
    seen = [arrival for arrival in arrivals() if arrival["id"] in expected]
    times = Counter(arrival["id"] for arrival in seen)
    first = {}
    for arrival in seen:
        first.setdefault(arrival["id"], arrival)
    lateness = [arrival["at"] - arrival["due"] for arrival in first.values()]
    figures = percentiles(lateness)
    delivered_span = max(a["at"] for a in seen) - min(a["at"] for a in seen) if seen else 0
    burst_ids = set(ids[len(ids) - burst :]) if burst else set()
    burst_late = percentiles([a["at"] - a["due"] for pk, a in first.items() if pk in burst_ids])
    return {
        "design": design,
        "reminders": len(expected),
        "delivered": len(first),
        "duplicates": sum(n - 1 for n in times.values()),
        "losses": len(expected - set(first)),
        "late_p50_s": figures["p50"],
        "late_p95_s": figures["p95"],
        "late_p99_s": figures["p99"],
        "late_max_s": figures["max"],
        "burst_p99_s": burst_late["p99"] if burst_ids else None,
        "per_s_mean": round(len(seen) / delivered_span, 1) if delivered_span else None,
        "per_s_peak": peak_rate(seen),
        "worker_rss_mb": round(workers.peak_rss / 2**20, 1),
    }


def peak_rate(seen: list[dict]) -> int:
    """The most deliveries recorded within one second."""
    per_second = Counter(int(arrival["at"]) for arrival in seen)
    return max(per_second.values(), default=0)


if __name__ == "__main__":
    main()
