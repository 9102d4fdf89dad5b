"""Claiming due reminders for delivery, and settling the outcomes of deliveries.

A claim is atomic: the rows are locked with SKIP LOCKED on PostgreSQL (SQLite's IMMEDIATE
transactions serialise the whole claim), moved to `sending` with a lease and a fresh token, and
only then handed to workers. Two dispatchers never claim the same row; a worker holding a stale
token (its lease ran out and the reminder was claimed again) can no longer settle it.

The database's clock decides (`now()` in SQL): what is due, when a lease runs out, when a send
settled and when a retry is due. A host whose clock is off sends nothing early and never takes a
reminder another worker still holds. The `now` parameters are for tests only (a fixed moment).
"""

import datetime as dt
import logging
import random
import time
import uuid

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import BooleanField, Case, DateTimeField, DurationField, ExpressionWrapper, F, Q, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Now

from notifications.models import Reminder
from procedures.models import Staff
from tracker import board_version

logger = logging.getLogger(__name__)

# A pass claims at most this many reminders: at a pass every 0.1 s (notifications.tasks) that is
# 10,000 a second, more than the workers of one host deliver, and the claim stays one short
# transaction. A backlog does not pile up claims whose
# leases run out in the queue: the next dispatch task waits behind the deliveries already queued.
BATCH_SIZE = 1000
LEASE = settings.REMINDER_LEASE
# Sends tried before a reminder is failed (and reported to the charge nurses). A send whose worker
# died counts: a reminder that kills its worker every time is cut off after this many. With the
# staff backoff below, eight attempts span 3 to 4 minutes: a channel down for two minutes fails nothing.
MAX_ATTEMPTS = 8
# Patients' messages: 30 s doubling to 5 min. Staff reminders and alerts are clinical and have the
# in-app copy beside them: 5 s doubling to 1 min, so that one is never minutes late once the
# channel answers again (and a success on the channel brings the waiting retries forward anyway).
PATIENT_RETRY = (dt.timedelta(seconds=30), dt.timedelta(minutes=5))
STAFF_RETRY = (dt.timedelta(seconds=5), dt.timedelta(minutes=1))
# Settling writes are retried on a fresh connection for this long at most (a database blip).
SETTLE_PATIENCE = dt.timedelta(seconds=3)


def moment(at: dt.datetime | None = None):
    """The database's clock, or in tests the moment given."""
    return Value(at, output_field=DateTimeField()) if at else Now()


def after(at: dt.datetime | None, delta: dt.timedelta):
    return ExpressionWrapper(moment(at) + Value(delta, output_field=DurationField()), output_field=DateTimeField())


def claim_due(now: dt.datetime | None = None, limit: int = BATCH_SIZE) -> list[tuple[int, str]]:
    """Claim up to `limit` due reminders; return (id, lease token) pairs to deliver.

    A reminder whose sends never came back (its worker died in each) and has used up its attempts
    is failed and reported here instead of being handed out again.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        due = Reminder.objects.filter(status=Reminder.Status.SCHEDULED, due_at__lte=moment(now)).order_by("due_at")
        abandoned = Reminder.objects.filter(status=Reminder.Status.SENDING, lease_until__lt=moment(now)).order_by(
            "lease_until"
        )
        ids = [pk for pk, _ in locked(due, limit)]
        spent = []
        for pk, attempts in locked(abandoned, limit - len(ids)):
            (spent if attempts >= MAX_ATTEMPTS else ids).append(pk)
        # Not an attempt yet: a claim whose lease runs out while it waits in the queue sent nothing.
        Reminder.objects.filter(pk__in=ids).update(
            status=Reminder.Status.SENDING,
            lease_until=after(now, LEASE),
            lease_token=token,
            send_started_at=None,
            sender=None,
        )
        if spent:
            fail_spent(spent, now)
    return [(pk, str(token)) for pk in ids]


def locked(queryset, limit: int) -> list[tuple[int, int]]:
    if limit <= 0:
        return []
    return list(queryset.select_for_update(skip_locked=True).values_list("pk", "attempts")[:limit])


def fail_spent(ids: list[int], now: dt.datetime | None) -> None:
    error = f"Its worker never came back from {MAX_ATTEMPTS} sends (it died in each): given up."
    logger.error("Reminders %s: %s", ids, error)
    Reminder.objects.filter(pk__in=ids).update(
        status=Reminder.Status.FAILED, lease_until=None, send_started_at=None, sender=None, last_error=error
    )
    board_version.bump()
    for reminder in Reminder.objects.filter(pk__in=ids).select_related("ward", "procedure", "milestone"):
        report_failure(reminder, now)


def take_next(
    reminder_ids: list[int], *, token: str, sender: str, counts: dict[bool, int], local: set[str], now=None
) -> int:
    """Take the next reminders of a claim that no task (`sender`) has taken yet, for this task's sends.

    `counts[True]` of those on a channel that stays in the database (`local`), `counts[False]` of the
    others, the earliest due first. One UPDATE: each row goes to one task, whichever asks first
    (SKIP LOCKED: tasks never wait for each other). The attempt is counted as it is taken, before
    the channel is called: a send that kills its worker still counts, so a reminder that does so
    every time reaches MAX_ATTEMPTS. Return how many it took.
    """
    free = held(token, *reminder_ids).filter(
        sender__isnull=True, lease_until__gte=moment(now), attempts__lt=MAX_ATTEMPTS
    )
    wanted = Q()
    for is_local, count in counts.items():
        if count > 0:
            on = free.filter(channel__in=local) if is_local else free.exclude(channel__in=local)
            wanted |= Q(first_unlocked(on, count))
    if not wanted:
        return 0
    return free.filter(wanted).update(
        sender=sender, attempts=F("attempts") + 1, lease_until=after(now, LEASE), send_started_at=moment(now)
    )


def first_unlocked(reminders, count: int) -> RawSQL:
    """A condition: a reminder is among the first `count` of these (by due time) that no other transaction
    is writing, locked until the end of the statement that uses them.

    On PostgreSQL they are read once, into an array, before the UPDATE that takes them: an `IN
    (subquery)` may run its subquery again for each row, each time locking one more (SQLite, which has
    neither row locks nor arrays, runs it once and serialises writers anyway).
    """
    sql, params = reminders.order_by("due_at", "pk").values_list("pk")[:count].query.sql_with_params()
    column = f'"{Reminder._meta.db_table}"."{Reminder._meta.pk.column}"'
    if connection.vendor == "postgresql":
        return RawSQL(f"{column} = ANY(ARRAY({sql} FOR UPDATE SKIP LOCKED))", params, output_field=BooleanField())
    return RawSQL(f"{column} IN ({sql})", params, output_field=BooleanField())


def in_flight(reminder_ids: list[int], *, token: str, sender: str):
    """The reminders this task (`sender`) has taken and not settled yet."""
    return held(token, *reminder_ids).filter(sender=sender, send_started_at__isnull=False)


def renew_untaken(reminder_ids: list[int], *, token: str, now=None) -> int:
    """Give the claim's reminders that no task has taken yet a whole lease again: tasks are still taking them."""
    return held(token, *reminder_ids).filter(sender__isnull=True).update(lease_until=after(now, LEASE))


def begin_send(*reminder_ids: int, token: str, sender: str, now: dt.datetime | None = None) -> int:
    """Take these reminders for this task's sends again (its redelivery after its worker died), count the
    attempts and give the sends a whole lease. Return how many it took: not those taken by another task,
    no longer held, or spent.
    """
    return (
        free_for(sender, held(token, *reminder_ids))
        .filter(attempts__lt=MAX_ATTEMPTS)
        .update(attempts=F("attempts") + 1, lease_until=after(now, LEASE), send_started_at=moment(now), sender=sender)
    )


def free_for(sender: str, reminders):
    """Those not taken by another of the claim's tasks."""
    return reminders.filter(Q(sender__isnull=True) | Q(sender=sender))


def settle_sent(sent: dict[int, str], *, token: str, now: dt.datetime | None = None, counted: bool = False) -> int:
    """Mark deliveries done in one UPDATE, those this token still holds; `sent` maps id -> provider's message id.

    `counted`: their attempts were counted by begin_send. Return how many it marked: a reminder
    claimed again after this lease ran out is not.
    """
    if not sent:
        return 0
    provider_ids = [When(pk=pk, then=Value(provider_id)) for pk, provider_id in sent.items() if provider_id]
    board_version.bump()  # a staff line sent is to acknowledge on the board
    return held(token, *sent).update(
        status=Reminder.Status.SENT,
        sent_at=moment(now),
        lease_until=None,
        send_started_at=None,
        sender=None,
        last_error="",
        attempts=F("attempts") if counted else F("attempts") + 1,
        provider_message_id=Case(*provider_ids, default=Value("")) if provider_ids else "",
        escalate_at=moment(now) + F("acknowledge_within"),  # NULL (no escalation) stays NULL
    )


def settle_retry(reminder: Reminder, *, token: str, now: dt.datetime | None = None, error: str) -> bool:
    """Schedule another try after a temporary error, with backoff and jitter.

    `reminder.attempts` counts the send that just failed (the token holds the row: nobody else writes it).
    """
    return (
        held(token, reminder.pk).update(
            status=Reminder.Status.SCHEDULED,
            first_due_at=Coalesce(F("first_due_at"), F("due_at")),
            due_at=after(now, backoff(reminder.attempts, staff=reminder.for_staff)),
            lease_until=None,
            send_started_at=None,
            sender=None,
            last_error=error,
            attempts=reminder.attempts,
        )
        == 1
    )


def settle_failed(reminder: Reminder, *, token: str, now: dt.datetime | None = None, error: str) -> bool:
    """Fail it for good and report it to the ward's charge nurses, in one transaction."""
    with transaction.atomic():
        failed = held(token, reminder.pk).update(
            status=Reminder.Status.FAILED,
            lease_until=None,
            send_started_at=None,
            sender=None,
            last_error=error,
            attempts=reminder.attempts,
        )
        if failed:
            board_version.bump()
            report_failure(reminder, now)
    return failed == 1


def settle_cancelled(reminder: Reminder, *, token: str, reason: str) -> bool:
    """Not to be sent after all (found out at send time); the reason stays visible."""
    changed = held(token, reminder.pk).update(
        status=Reminder.Status.CANCELLED, lease_until=None, send_started_at=None, sender=None, last_error=reason
    )
    board_version.bump()
    return changed == 1


def held(token: str, *pks: int):
    """The reminders among `pks` that this lease token still holds: a stale token settles nothing."""
    return Reminder.objects.filter(pk__in=pks, status=Reminder.Status.SENDING, lease_token=token)


def bring_forward_retries(channel: str, *, now: dt.datetime | None = None) -> int:
    """The channel answered again: the reminders waiting to retry on it are due now, not after their backoff."""
    return Reminder.objects.filter(
        status=Reminder.Status.SCHEDULED, attempts__gt=0, channel=channel, due_at__gt=moment(now)
    ).update(first_due_at=Coalesce(F("first_due_at"), F("due_at")), due_at=moment(now))


def backoff(attempts: int, *, staff: bool = False) -> dt.timedelta:
    """After the n-th attempt: the first wait doubled n-1 times, capped, each between 3/4 and the whole (jitter)."""
    first, longest = STAFF_RETRY if staff else PATIENT_RETRY
    ceiling = min(first * 2 ** max(attempts - 1, 0), longest)
    return ceiling * random.uniform(0.75, 1.0)


def report_failure(reminder: Reminder, now: dt.datetime | None = None) -> None:
    """A reminder that could not be delivered is itself reported to the ward's charge nurses."""
    if reminder.kind == Reminder.Kind.FAILURE:
        return  # never report a failed report: the ward board shows it as failed
    Reminder.objects.plan(
        key=f"failure:{reminder.pk}",
        kind=Reminder.Kind.FAILURE,
        ward=reminder.ward,
        procedure=reminder.procedure,
        milestone=reminder.milestone,
        recipient_role=Staff.Role.CHARGE_NURSE,
        channel=Reminder.Channel.INAPP,
        message_key=reminder.message_key,
        red_flag=reminder.red_flag,
        urgent=True,
        due_at=moment(now),
    )


def surviving_blips(write, *, until: float | None = None):
    """Run a delivery's database work; if the connection dropped, again on a fresh one, until `until`.

    A settling UPDATE lost to a killed connection would leave a delivered message `sending`, and
    it would be sent again after its lease. `until` (time.monotonic()) keeps the retries within
    the lease; the pause doubles from 50 ms.
    """
    until = until if until is not None else time.monotonic() + SETTLE_PATIENCE.total_seconds()
    pause = 0.05
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as error:
            if time.monotonic() + pause > until or connection.in_atomic_block:
                raise
            logger.warning("Database connection lost (%s); trying again on a new one.", error)
        connection.close()
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


def release_claims(claimed: list[tuple[int, str]]) -> int:
    """Give back claims that were never handed to a worker (the broker was away): nothing was sent."""
    released = 0
    for token in {token for _, token in claimed}:
        pks = [pk for pk, held_by in claimed if held_by == token]
        released += held(token, *pks).update(status=Reminder.Status.SCHEDULED, lease_until=None, lease_token=None)
    return released


def record_claims(claimed: list[tuple[int, str]]) -> None:
    """Count each claim, for /healthz (notifications.health): a reminder claimed again and again is stuck.

    A separate UPDATE from the claim's: it only reports, and a claim must stay as short as it is.
    """
    if claimed:
        Reminder.objects.filter(pk__in=[pk for pk, _ in claimed]).update(claims=F("claims") + 1)
