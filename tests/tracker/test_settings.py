"""Start-up with production settings: clear refusals, and a clean deployment check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "k3#9vQ!pz8Lr2@Wm5^tY7&bN4$cX1*dF6(hJ0)gS-aE+uI=oP_lK~zM",
    "DJANGO_ALLOWED_HOSTS": "tracker.hospital.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tracker",
    "PUBLIC_BASE_URL": "https://tracker.hospital.example",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "PUBLIC_BASE_URL"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean | {"DJANGO_SETTINGS_MODULE": "tracker.settings"} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "PUBLIC_BASE_URL"])
def test_production_start_up_stops_with_a_clear_message_when_a_setting_is_missing(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = manage("check", **env)

    assert result.returncode != 0
    assert f"ImproperlyConfigured: Set the environment variable {missing}" in result.stderr


def test_a_nonsense_boolean_is_refused():
    result = manage("check", **PRODUCTION, DJANGO_DEBUG="perhaps")

    assert result.returncode != 0
    assert "DJANGO_DEBUG must be one of" in result.stderr


def test_the_deployment_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_development_needs_no_settings_and_uses_sqlite():
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DJANGO_DEBUG="1",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_setting_only_a_twilio_account_stops_start_up_naming_what_is_missing():
    result = manage("check", **PRODUCTION, TWILIO_ACCOUNT_SID="AC" + "0" * 32)

    assert result.returncode != 0
    assert "notifications.E001" in result.stderr and "TWILIO_AUTH_TOKEN" in result.stderr
