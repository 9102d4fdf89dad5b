"""GET /healthz: can this installation deliver reminders right now?

Checks the database, the broker, when beat last dispatched, and how late the oldest due reminder
is. A stuck dispatcher shows up as a growing `oldest_due_seconds` and a stale `dispatch_age_seconds`.
"""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from notifications.models import Heartbeat, Reminder

# Beyond these, reminders are late enough for someone to be woken up.
DISPATCH_STALE_AFTER = dt.timedelta(seconds=30)
OLDEST_DUE_LIMIT = dt.timedelta(seconds=60)


@require_GET
@never_cache
def healthz(request):
    now = timezone.now()
    checks = {"database": database_ok(), "broker": broker_ok()}
    if checks["database"]:
        beat = Heartbeat.objects.filter(name="dispatch").first()
        oldest = Reminder.objects.claimable(now).order_by("due_at").values_list("due_at", flat=True).first()
        checks["dispatch_age_seconds"] = round((now - beat.ran_at).total_seconds(), 1) if beat else None
        checks["oldest_due_seconds"] = round((now - oldest).total_seconds(), 1) if oldest else 0
        checks["beat"] = beat is not None and now - beat.ran_at < DISPATCH_STALE_AFTER
        checks["reminders_on_time"] = checks["oldest_due_seconds"] < OLDEST_DUE_LIMIT.total_seconds()
    healthy = all(checks.get(k) for k in ("database", "broker", "beat", "reminders_on_time"))
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        return False


def broker_ok() -> bool:
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False
