"""Settings for the test suite: the real app settings, on PostgreSQL and Redis on this machine.

Each value can still be overridden from the environment (a second checkout running its tests at
the same time should use its own database name and Redis database).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/10")
# The integration tests' workers deliver to a recorder in this Redis database (tests/notifications/recording.py).
os.environ.setdefault("RECORDING_REDIS_URL", "redis://127.0.0.1:6379/11")


def for_this_xdist_worker(url: str) -> str:
    """The Redis database of this pytest-xdist worker: worker gwN uses the database number plus 2 N.

    The tests empty the broker and the recorder, and the Celery workers they start take any task on
    their broker: two test processes must never share them. (pytest-django already gives each xdist
    worker its own PostgreSQL database.) `make test` runs two workers, so a run uses the two Redis
    databases it is given and the two after them: 10 to 13 by default.
    """
    base, _, number = url.rpartition("/")
    return f"{base}/{int(number or 0) + 2 * int(os.environ['PYTEST_XDIST_WORKER'].removeprefix('gw'))}"


# Once, in the test process: the worker processes it starts inherit the result (and this marker).
if os.environ.get("PYTEST_XDIST_WORKER") and not os.environ.get("TEST_REDIS_PER_XDIST_WORKER"):
    os.environ["TEST_REDIS_PER_XDIST_WORKER"] = "1"
    for name in ("CELERY_BROKER_URL", "RECORDING_REDIS_URL"):
        os.environ[name] = for_this_xdist_worker(os.environ[name])

# A short lease keeps the crash tests short; workers started by the tests inherit it.
os.environ.setdefault("REMINDER_LEASE_SECONDS", "8")
# Each channel's deadline for one send, plus the margin, must fit in that lease (notifications.checks).
os.environ.setdefault("SMS_TIMEOUT_SECONDS", "4")
os.environ.setdefault("WEBHOOK_TIMEOUT_SECONDS", "4")
os.environ.setdefault("EMAIL_TIMEOUT", "4")

from tracker.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Worker processes of the fault drills send real SMTP (TEST_EMAIL_BACKEND); everything else keeps mail in memory.
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# The browser tests log in many times a minute from 127.0.0.1; the throttle's own tests lower it.
LOGIN_THROTTLE_RATE = "1000/minute"

# Integration tests and benchmarks start workers with RECORDING_TRANSPORT=1: every channel then
# delivers to a recorder in Redis instead of the outside world.
if os.environ.get("RECORDING_TRANSPORT"):
    NOTIFICATION_TRANSPORTS = dict.fromkeys(NOTIFICATION_TRANSPORTS, "tests.notifications.recording.RecordingTransport")  # noqa: F405
