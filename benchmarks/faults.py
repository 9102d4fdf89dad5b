"""Fault drills: the reminder engine under real faults, one row per drill.

    .venv/bin/python -m benchmarks.faults [--short] [--only NAME ...]

Each drill runs real Celery processes (delivery workers, the dispatch worker, beat) on a Redis
server of its own (a private `redis-server` on a free port, really killed and restarted), a fresh
PostgreSQL database (benchmarks.harness), and the recording transport of the integration tests
(tests/notifications/recording.py), which stands in for a provider: it can be slow, answer 503,
or kill the process sending one given reminder. Arrivals are timed on the recorder's Redis clock,
so a worker whose clock is skewed cannot hide an early send. Lateness = arrival - due time.

`--short` shrinks the long outages (Redis down 60 s -> 10 s, a channel failing 130 s -> 20 s).
The lease is 15 s (REMINDER_LEASE_SECONDS) unless a drill says otherwise. The recorder uses
RECORDING_REDIS_URL (default DB 8 of the machine's Redis, emptied at each drill).
"""

import argparse
import contextlib
import datetime as dt
import os
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.delivery import Workers, insert_reminders, kill_group
from benchmarks.harness import fresh_database, percentiles, report, setup_django

LEASE_SECONDS = 15
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"  # Debian's libfaketime


@dataclass
class Drill:
    """Reminders due over `window` seconds, with processes set up by `setup` and a fault run by `fault`."""

    name: str
    dues: Callable[[float], list[float]]  # start time -> due times
    fault: Callable[["Run"], None] = lambda run: None
    workers: int = 2
    concurrency: int = 2
    worker_env: dict[str, str] = field(default_factory=dict)
    last_worker_env: dict[str, str] = field(default_factory=dict)  # added to the last worker's only
    beats: int = 1
    channel: str = "inapp"  # "webhook": the recorder stands in for a provider (notifications.tasks.hand_out)
    skip: str = ""  # why this drill cannot run here


@dataclass
class Run:
    drill: Drill
    processes: Workers
    redis: object
    start: float
    notes: list[str] = field(default_factory=list)

    def at(self, offset: float) -> None:
        """Sleep until `offset` seconds after the start."""
        time.sleep(max(0.0, self.start + offset - time.time()))


def spread(count: int, window: float) -> Callable[[float], list[float]]:
    return lambda start: [start + window * i / count for i in range(count)]


def kill_redis_and_restart(after: float, down: float) -> Callable[[Run], None]:
    def fault(run: Run) -> None:
        run.at(after)
        run.redis.kill()
        time.sleep(down)
        run.redis.start()
        run.notes.append(f"Redis killed at +{after:.0f} s, back {down:.0f} s later")

    return fault


def kill_a_worker_mid_send(run: Run) -> None:
    run.at(5)
    kill_group(run.processes.workers.pop(0), signal.SIGKILL)
    run.processes.worker(concurrency=run.drill.concurrency, **run.drill.worker_env)
    run.notes.append("one worker killed -9 at +5 s and replaced")


def kill_database_connections(every: float, until: float) -> Callable[[Run], None]:
    def fault(run: Run) -> None:
        import psycopg
        from django.db import connection

        name = connection.settings_dict["NAME"]
        killed = 0
        with psycopg.connect(dbname="postgres", host="127.0.0.1", user="postgres", autocommit=True) as admin:
            while time.time() < run.start + until:
                run.at(time.time() - run.start + every)
                # Only the benchmark database's backends, never another database's (the machine is shared).
                rows = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                ).fetchall()
                killed += len(rows)
        run.notes.append(f"{killed} connections killed")

    return fault


def fail_channel(after: float, seconds: float) -> Callable[[Run], None]:
    def fault(run: Run) -> None:
        from tests.notifications.recording import FAILING, recorder

        run.at(after)
        recorder().set(FAILING, "1")
        time.sleep(seconds)
        recorder().delete(FAILING)
        run.notes.append(f"channel answered 503 from +{after:.0f} s for {seconds:.0f} s")

    return fault


def drills(short: bool) -> list[Drill]:
    redis_down = 10 if short else 60
    failing = 20 if short else 130
    # The monotonic clock is shifted too: with FAKETIME_DONT_FAKE_MONOTONIC, Python's sleep fails (EINVAL).
    skew = {"LD_PRELOAD": FAKETIME}
    no_faketime = "" if Path(FAKETIME).exists() else "libfaketime is not installed (apt-get install libfaketime)"
    return [
        Drill("no fault (reference)", spread(300, 15)),
        Drill("Redis killed and restarted at once", spread(400, 20), kill_redis_and_restart(8, 0)),
        Drill(
            f"Redis down {redis_down} s, then back", spread(400, redis_down + 20), kill_redis_and_restart(5, redis_down)
        ),
        Drill(
            "worker killed -9 mid-send (channel 2 s)",
            spread(40, 15),
            kill_a_worker_mid_send,
            worker_env={"RECORDING_DELAY_SECONDS": "2"},
        ),
        Drill("PostgreSQL connections killed every 3 s", spread(400, 20), kill_database_connections(3, 22)),
        Drill(
            "channel slower than the lease (8 s, lease 6 s)",
            spread(8, 2),
            worker_env={"RECORDING_DELAY_SECONDS": "8", "REMINDER_LEASE_SECONDS": "6"},
        ),
        Drill(
            "SMTP server that accepts and hangs",
            spread(3, 1),
            skip="the recording transport stands in for every channel here; the hanging SMTP drill needs the "
            "real e-mail channel (tests/notifications/integration)",
        ),
        Drill(
            "poison reminder (its send kills the process)",
            spread(100, 10),
            worker_env={"RECORDING_POISON_KEY": "POISON"},
        ),
        Drill(
            "one worker's clock 20 s behind",
            spread(300, 15),
            last_worker_env=skew | {"FAKETIME": "-20s"},
            skip=no_faketime,
        ),
        Drill("beat and workers 20 s ahead", spread(300, 15), worker_env=skew | {"FAKETIME": "+20s"}, skip=no_faketime),
        Drill(
            "50 due at one instant x3, channel 0.3 s, 6 processes",
            lambda start: [start + 10 * burst for burst in range(3) for _ in range(50)],
            concurrency=3,
            worker_env={"RECORDING_DELAY_SECONDS": "0.3"},
            channel="webhook",
        ),
        Drill(f"channel answering 503 for {failing} s", spread(300, failing + 20), fail_channel(3, failing)),
        Drill("two beats (and two dispatch workers)", spread(400, 20), beats=2),
    ]


def run_drill(drill: Drill) -> dict:
    from django.db import connection

    from notifications.models import Reminder
    from tests.notifications.recording import ARRIVALS, FAILING, arrivals, recorder
    from tests.notifications.redis_server import PrivateRedis

    recorder().delete(ARRIVALS, FAILING)
    redis = PrivateRedis(Path(os.environ.get("TMPDIR", "/tmp")))
    redis.start()
    processes = Workers(broker_url=redis.url)
    processes.env["RECORDING_CLOCK"] = "redis"
    try:
        for n in range(drill.workers):
            last = drill.last_worker_env if n == drill.workers - 1 else {}
            processes.worker(concurrency=drill.concurrency, **drill.worker_env, **last)
        for _ in range(drill.beats):
            processes.beat(**{k: v for k, v in drill.worker_env.items() if k.startswith(("LD_", "FAKETIME"))})
        wait_for_dispatch()
        start = time.time() + 3
        dues = drill.dues(start)
        prefix = f"fault-{uuid.uuid4().hex[:6]}"
        ids = insert_reminders(prefix=prefix, dues=dues, status="scheduled", channel=drill.channel)
        poison = None
        if "RECORDING_POISON_KEY" in drill.worker_env:
            poison = ids[len(ids) // 2]
            Reminder.objects.filter(pk=poison).update(key="POISON")
        run = Run(drill, processes, redis, start)
        faulting = threading.Thread(target=drill.fault, args=(run,), daemon=True)
        faulting.start()
        expected = set(ids) - {poison}
        give_up = max(dues) + LEASE_SECONDS + 45
        while time.time() < give_up:
            if expected <= {a["id"] for a in arrivals()} and not faulting.is_alive():
                break
            time.sleep(0.5)
        faulting.join(timeout=120)
        time.sleep(3)  # late duplicates still show up
        connection.close()  # the drill may have killed this process's connection too
        seen = [a for a in arrivals() if a["id"] in set(ids)]
        first: dict[int, dict] = {}
        for arrival in seen:
            first.setdefault(arrival["id"], arrival)
        # From the time each was due when inserted: a retry moves due_at, and lateness counts from the first.
        due_of = dict(zip(ids, dues, strict=True))
        lateness = [a["at"] - due_of[pk] for pk, a in first.items()]
        figures = percentiles(lateness)
        early = [late for late in lateness if late < 0]
        if early:
            run.notes.append(f"{len(early)} sent early, up to {-min(early):.1f} s")
        if poison:
            row = Reminder.objects.filter(pk=poison).values("status", "attempts", "claims").get()
            run.notes.append(
                f"poison: {row['status']}, attempts {row['attempts']}, claims {row['claims']}, "
                f"arrived {Counter(a['id'] for a in seen)[poison]} times"
            )
        for status in ("sending", "scheduled"):
            left = Reminder.objects.filter(pk__in=ids, status=status).count()
            if left:
                run.notes.append(
                    f"{left} still `{status}`" + (" (waiting for a retry)" if status == "scheduled" else "")
                )
        return {
            "drill": drill.name,
            "due": len(expected),
            "delivered": len(expected & set(first)),
            "duplicates": sum(n - 1 for n in Counter(a["id"] for a in seen).values()),
            "lost": len(expected - set(first)),
            "p99 / max lateness (s)": f"{figures['p99']:.2f} / {figures['max']:.2f}",
            "notes": "; ".join(run.notes),
        }
    finally:
        processes.stop()
        redis.kill()
        with contextlib.suppress(Exception):
            recorder().delete(FAILING)


def wait_for_dispatch(timeout: float = 60) -> None:
    """Until the dispatch loop runs (beat takes seconds to start on a busy machine)."""
    from django.utils import timezone

    from notifications.models import Heartbeat

    started = timezone.now()
    deadline = time.monotonic() + timeout
    while not Heartbeat.objects.filter(name="dispatch", ran_at__gt=started).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the dispatch loop did not start")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="shorter outages: Redis down 10 s, 503 for 20 s")
    parser.add_argument("--only", nargs="*", default=[], help="run the drills whose name contains one of these")
    args = parser.parse_args()
    os.environ.setdefault("RECORDING_REDIS_URL", "redis://127.0.0.1:6379/8")
    os.environ["REMINDER_LEASE_SECONDS"] = str(LEASE_SECONDS)
    os.environ.setdefault("BENCH_DATABASE", "tracker_faults")
    setup_django()
    selected = [d for d in drills(args.short) if not args.only or any(word in d.name for word in args.only)]
    rows = []
    with fresh_database():
        for drill in selected:
            if drill.skip:
                rows.append({"drill": drill.name, "notes": f"skipped: {drill.skip}"})
                print(f"{drill.name}: skipped ({drill.skip})", flush=True)
                continue
            print(f"{drill.name}...", flush=True)
            try:
                rows.append(run_drill(drill))
            except Exception as error:  # one drill that cannot run does not hide the others' figures
                rows.append({"drill": drill.name, "notes": f"failed to run: {error!r}"})
            print(f"  {rows[-1]}", flush=True)
    report(
        "faults_short" if args.short else "faults",
        rows,
        notes=(
            f"Lease {LEASE_SECONDS} s; 2 delivery workers x concurrency 2 unless said; dispatch worker and beat as in "
            f"the Procfile; lateness = arrival (recorder's clock) - due, p99 and max of first arrivals; "
            f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC."
        ),
    )


if __name__ == "__main__":
    main()
