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
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/15")
# A short lease keeps the crash tests short; workers started by the tests inherit it.
os.environ.setdefault("REMINDER_LEASE_SECONDS", "8")
# Each channel's deadline for one send, plus the margin, must fit in that lease (notifications.checks).
os.environ.setdefault("SMS_TIMEOUT_SECONDS", "4")
os.environ.setdefault("WEBHOOK_TIMEOUT_SECONDS", "4")
os.environ.setdefault("EMAIL_TIMEOUT", "4")

from tracker.settings import *  # noqa: F403

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
