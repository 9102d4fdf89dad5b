"""GET /healthz: can this installation deliver reminders right now?

503 as soon as one part fails, and `failing` names which, never a patient or a message:
- `database`: it does not answer;
- `broker`: Redis does not answer (workers and beat reconnect by themselves once it does);
- `dispatch`: the dispatch loop has not claimed for HEALTH_DISPATCH_STALE_SECONDS (it claims every
  0.1 s: a few seconds means beat or the dispatch worker is down, whatever the reason). The loop's
  heartbeat is written on the database's clock, the one read here: a host whose clock is off changes nothing;
- `channel`: reminders that were tried and failed have waited past their first due time for
  longer than HEALTH_LATE_SECONDS (a provider refusing or timing out); `failing_channels` says which;
- `delivery`: a reminder has waited that long without a failing channel to blame (no delivery
  worker takes the tasks), or one was claimed more than HEALTH_MAX_CLAIMS times without settling
  (a send that kills its worker, leases that keep running out).
Lateness is counted from a reminder's first due time, which a retry keeps in `first_due_at` when
it moves `due_at`, so a retry's backoff does not hide it.
"""

import datetime as dt

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from notifications.models import Heartbeat, Reminder

UNSETTLED = [Reminder.Status.SCHEDULED, Reminder.Status.SENDING]


@require_GET
@never_cache
def healthz(request):
    now = database_now()
    checks = {"database": now is not None, "broker": broker_ok()}
    failing = [part for part in ("database", "broker") if not checks[part]]
    if checks["database"]:
        checks |= outbox_checks(now, upstream_ok=checks["broker"])
        failing += [part for part in ("dispatch", "channel", "delivery") if checks.pop(f"{part}_failing")]
    else:
        failing.append("dispatch")  # nothing can be claimed without the database
    healthy = not failing and all(checks.get(k) for k in ("beat", "reminders_on_time"))
    body = {"status": "ok" if healthy else "unhealthy", **checks, "failing": failing}
    return JsonResponse(body, status=200 if healthy else 503)


def outbox_checks(now: dt.datetime, *, upstream_ok: bool) -> dict:
    """The outbox's figures; `upstream_ok`: the broker answers (else late reminders are its fault)."""
    late_after = dt.timedelta(seconds=settings.HEALTH_LATE_SECONDS)
    beat = Heartbeat.objects.filter(name="dispatch").first()
    dispatch_age = (now - beat.ran_at).total_seconds() if beat else None
    dispatch_ok = dispatch_age is not None and dispatch_age < settings.HEALTH_DISPATCH_STALE_SECONDS

    oldest_due = Reminder.objects.claimable(now).order_by("due_at").values_list("due_at", flat=True).first()
    unsettled = Reminder.objects.filter(status__in=UNSETTLED)
    retried_since = unsettled.filter(first_due_at__isnull=False).aggregate(first_due=Min("first_due_at"))["first_due"]
    waiting_since = min(filter(None, [oldest_due, retried_since]), default=None)
    if waiting_since and waiting_since > now:
        waiting_since = None
    waited = (now - waiting_since).total_seconds() if waiting_since else 0
    on_time = waited < late_after.total_seconds()
    failing_channels = sorted(
        set(
            Reminder.objects.filter(
                status__in=UNSETTLED, first_due_at__lte=now - late_after, attempts__gt=0
            ).values_list("channel", flat=True)
        )
    )
    most_claims = unsettled.filter(claims__gt=1).aggregate(most=Max("claims"))["most"] or 0
    return {
        "beat": dispatch_ok,
        "dispatch_age_seconds": round(dispatch_age, 1) if dispatch_age is not None else None,
        "oldest_due_seconds": round((now - oldest_due).total_seconds(), 1) if oldest_due else 0,
        "oldest_waiting_seconds": round(waited, 1),
        "reminders_on_time": on_time,
        "most_claims": most_claims,
        "failing_channels": failing_channels,
        "dispatch_failing": not dispatch_ok,
        "channel_failing": bool(failing_channels),
        "delivery_failing": (not on_time and not failing_channels and dispatch_ok and upstream_ok)
        or most_claims > settings.HEALTH_MAX_CLAIMS,
    }


def database_now() -> dt.datetime | None:
    """The database's clock (the one dispatch decides by, whatever this host's says), or None if it is down."""
    try:
        with connection.cursor() as cursor:
            # statement_timestamp(): now, even inside a transaction (CURRENT_TIMESTAMP is the transaction's start).
            cursor.execute(
                "SELECT statement_timestamp()" if connection.vendor == "postgresql" else "SELECT CURRENT_TIMESTAMP"
            )
            (now,) = cursor.fetchone()
    except Exception:
        return None
    if isinstance(now, str):  # SQLite: UTC, as text
        now = dt.datetime.fromisoformat(now).replace(tzinfo=dt.UTC)
    return now


def broker_ok() -> bool:
    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as broker:
            broker.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False
