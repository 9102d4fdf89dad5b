"""scripts/supervise: what `make run` relies on to start again a process that exits."""

import signal
import subprocess
import sys
import time
from pathlib import Path

SUPERVISE = Path(__file__).resolve().parents[2] / "scripts" / "supervise"


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_process_that_exits_is_started_again_and_a_stop_stops_both(tmp_path):
    starts = tmp_path / "starts"
    # Each start writes a line; the first exits at once (a crash), the next ones stay up.
    program = (
        f"import pathlib, sys, time; p = pathlib.Path({str(starts)!r}); "
        "n = len(p.read_text().splitlines()) if p.exists() else 0; p.write_text('x\\n' * (n + 1)); "
        "sys.exit(3) if n == 0 else time.sleep(60)"
    )
    supervisor = subprocess.Popen([sys.executable, str(SUPERVISE), sys.executable, "-c", program])
    try:
        wait_for(lambda: starts.exists() and len(starts.read_text().splitlines()) == 2)

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=20) == 128 + signal.SIGTERM  # the command's: killed by the SIGTERM passed on
    finally:
        supervisor.kill()
    time.sleep(1.5)  # a restart would have happened by now
    assert len(starts.read_text().splitlines()) == 2
