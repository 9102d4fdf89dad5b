"""API speed: the ward board and a procedure's timeline, served by gunicorn, loaded with wrk.

    .venv/bin/python -m benchmarks.api [--seconds 10] [--connections 1,4]

A fresh PostgreSQL database holds a ward of 30 and a ward of 300 active patients (each with a
procedure whose cement injection is recorded). gunicorn (2 workers, the test settings) serves
them on loopback; wrk, a second process, loads the board `/` (a nurse of the ward, session
cookie) and `/api/procedures/{id}/timeline/` (API token) with 1 connection (one board refreshing
without a pause) and with 4 (more than the 2 workers: requests queue), and reports requests per
second and p95 latency. The board is measured twice: as the ward's boards share it (kept a few
seconds, ward/board_cache.py) and with that cache off (`BOARD_CACHE_SECONDS=0`), which is what
the first board asked for after each change on the ward costs.
"""

import argparse
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.harness import fresh_database, report, setup_django

ROOT = Path(__file__).resolve().parent.parent
PORT = 8791
# wrk prints only some percentiles; this asks it for the 95th, in microseconds.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95)))
  io.write(string.format("errors %d\\n", summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument(
        "--connections", default="1,4", help="wrk connections, comma-separated: 1 is one board refreshing non-stop"
    )
    args = parser.parse_args()
    setup_django()
    with fresh_database():
        run(seconds=args.seconds, connections=[int(c) for c in args.connections.split(",")])


def make_ward(size: int) -> tuple[str, str, int]:
    """A ward of `size` active patients; return a nurse's session cookie, her API token, a procedure id."""
    from django.test import Client
    from django.utils import timezone

    from procedures.models import ApiToken, Patient, Staff, Ward
    from procedures.timeline import record_event, schedule_procedure

    ward = Ward.objects.create(name=f"Ward of {size}", timezone="Europe/Paris")
    nurse = Staff.objects.create_user(f"nurse-{size}", role=Staff.Role.NURSE)
    nurse.wards.add(ward)
    now = timezone.now()
    procedure = None
    for i in range(size):
        patient = Patient.objects.create(
            mrn=f"W{size}-{i:04}", given_name="Bench", family_name=f"P{i}", birth_date=dt.date(1945, 1, 1), ward=ward
        )
        procedure = schedule_procedure(
            patient=patient,
            kind="vertebroplasty",
            indication="osteoporotic_fracture",
            levels=["L1"],
            anaesthesia="local",
            scheduled_at=now - dt.timedelta(hours=3),
            by=nurse,
        )
        record_event(procedure=procedure, kind="cement_injected", at=now - dt.timedelta(hours=2), by=nurse, now=now)
    client = Client()
    client.force_login(nurse)
    _, key = ApiToken.objects.issue(user=nurse)
    return client.cookies["sessionid"].value, key, procedure.pk


def wrk(url: str, header: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    out = subprocess.run(
        ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "-s", script.name, "-H", header, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    return {
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p95_ms": int(re.search(r"p95_us (\d+)", out).group(1)) / 1000,
        "errors": int(re.search(r"errors (\d+)", out).group(1)),
    }


def run(*, seconds: int, connections: list[int]) -> None:
    from django.db import connection

    wards = {size: make_ward(size) for size in (30, 300)}
    # A database in service has planner statistics (autovacuum keeps them); a freshly filled one has
    # none until autovacuum passes, and its plans for the board's queries are then not the usual ones.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
    }
    rows = []
    base = f"http://127.0.0.1:{PORT}"
    # The board as its nurses' tablets share it (kept BOARD_CACHE_SECONDS, ward/board_cache.py), and
    # read afresh for every request, as after each change on the ward; the timeline has no cache.
    for cached in (True, False):
        with serving(env | {"BOARD_CACHE_SECONDS": "3" if cached else "0"}):
            for size, (session, token, procedure_id) in wards.items():
                board, timeline = f"{base}/", f"{base}/api/procedures/{procedure_id}/timeline/"
                check_ok(board, {"Cookie": f"sessionid={session}"})
                pages = [("board /" if cached else "board / (no cache)", board, f"Cookie: sessionid={session}")]
                if cached:
                    check_ok(timeline, {"Authorization": f"Token {token}"})
                    pages.append(("timeline", timeline, f"Authorization: Token {token}"))
                for page, url, header in pages:
                    for count in connections:
                        rows.append(
                            {"page": page, "patients": size, "connections": count, **wrk(url, header, seconds, count)}
                        )
    report("api", rows, notes=f"gunicorn 2 sync workers, wrk for {seconds} s each, loopback.")


@contextmanager
def serving(env: dict[str, str]) -> Iterator[None]:
    """gunicorn, 2 sync workers, on PORT, for the time of the block."""
    command = [sys.executable, "-m", "gunicorn", "tracker.wsgi", "-w", "2", "-b", f"127.0.0.1:{PORT}"]
    server = subprocess.Popen(
        [*command, "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_serving()
        yield
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def wait_until_serving() -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
            return
        except urllib.error.HTTPError:
            return  # it answers (a 503 only says beat is not running here)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def check_ok(url: str, headers: dict[str, str]) -> None:
    """A benchmark of redirects or errors would be meaningless: the page must answer 200."""
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200 or response.url != url:
            raise RuntimeError(f"{url} answered {response.status} at {response.url}")


if __name__ == "__main__":
    main()
