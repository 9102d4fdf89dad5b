"""`make run` for a newcomer (scripts/run-demo): the web server on PORT, the demo log-ins printed
last, once it answers, and Ctrl-C stopping everything without a traceback. Runs the real script
with the web server, a worker (on this run's Redis database) and the log-in printer; beat, which
keeps its schedule in a fixed file, was checked by hand."""

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # a real web server and Celery worker, on this run's Redis

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 240  # seconds: migrating and seeding SQLite on a busy machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def answers(port: int) -> bool:
    try:
        return urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).status == 200
    except OSError:
        return False


@pytest.fixture
def run_demo(tmp_path):
    """Start scripts/run-demo in its own process group (as a terminal would), on a free port."""
    port = free_port()
    env = os.environ | {
        "PORT": str(port),
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the app's own settings, as `make run` uses
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "run-demo"), "web", "worker", "demo"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    yield process, port, lines
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_make_run_prints_the_log_ins_last_on_port_and_stops_quietly(run_demo):
    process, port, lines = run_demo

    assert wait_until(lambda: any("demo.1" in line and "log in as admin" in line for line in lines), DEADLINE), "".join(
        lines
    )
    assert answers(port)
    started = next(n for n, line in enumerate(lines) if f"development server at http://127.0.0.1:{port}/" in line)
    ready = next(n for n, line in enumerate(lines) if f"Ready: open http://127.0.0.1:{port}/" in line)
    log_ins = [n for n, line in enumerate(lines) if "log in as nurse / demo-nurse-pw" in line]
    assert started < ready < log_ins[-1]

    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group

    assert process.wait(timeout=60) == 0
    assert wait_until(lambda: not answers(port), 30)
    # The reader thread may still be draining the pipe after the process has exited.
    assert wait_until(lambda: any("worker: Warm shutdown" in line for line in lines), 30), "".join(lines)
    output = "".join(lines)
    assert "Traceback" not in output and "Error" not in output, output
