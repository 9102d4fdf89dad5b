"""gunicorn and the Celery worker refuse an incomplete configuration as `manage.py` does."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "tracker.settings",
    "DJANGO_SECRET_KEY": "k3#9vQ!pz8Lr2@Wm5^tY7&bN4$cX1*dF6(hJ0)gS-aE+uI=oP_lK~zM",
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "PUBLIC_BASE_URL": "https://tracker.hospital.example",
}
HALF_TWILIO = {"TWILIO_ACCOUNT_SID": "AC" + "0" * 32}


def environment(**extra: str) -> dict[str, str]:
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PUBLIC_BASE_URL", "TWILIO_", "WEBHOOK_"))
    }
    return inherited | PRODUCTION | extra


def run(command: list[str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=environment(**extra), capture_output=True, text=True, timeout=90)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_refuses_to_start_with_half_a_twilio_configuration():
    result = run([str(BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{free_port()}"], **HALF_TWILIO)

    assert result.returncode != 0
    assert "notifications.E001" in result.stderr and "TWILIO_AUTH_TOKEN" in result.stderr


def answer_status(url: str) -> int | None:
    try:
        return urllib.request.urlopen(url, timeout=5).status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None  # not listening yet


def test_gunicorn_starts_with_a_complete_configuration(tmp_path):
    port = free_port()
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "tracker.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT, env=environment(), stdout=log, stderr=log,
    )  # fmt: skip
    try:
        deadline, status = time.monotonic() + 60, None
        while status is None and time.monotonic() < deadline and server.poll() is None:
            status = answer_status(f"http://127.0.0.1:{port}/api/wards/")
            if status is None:
                time.sleep(0.2)
        assert status == 401, (tmp_path / "gunicorn.log").read_text()  # up, and asking for a token
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def test_the_celery_worker_refuses_to_start_with_a_webhook_without_its_secret():
    result = run(
        [str(BIN / "celery"), "-A", "tracker", "worker", "--pool=solo", "--loglevel=WARNING"],
        WEBHOOK_URL="https://engine.example/tracker",
    )

    assert result.returncode != 0
    assert "notifications.E002" in result.stderr and "WEBHOOK_SECRET" in result.stderr
