"""The start-up checks, run by every process: `manage.py` (Django runs them), gunicorn and Celery.

`manage.py` runs system checks before its commands, but gunicorn (tracker/wsgi.py) and a Celery
worker or beat (tracker/celery.py) do not: they would start with a half-configured channel and fail
every message at 3 a.m. This runs the checks tagged STARTUP and refuses to start on an error.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

STARTUP = "startup"


def refuse_incomplete_configuration() -> None:
    """Raise ImproperlyConfigured naming every error of the checks tagged STARTUP (call after django.setup())."""
    errors = [message for message in checks.run_checks(tags=[STARTUP]) if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("Refusing to start: " + " ".join(f"{e.msg} ({e.id})" for e in errors))
