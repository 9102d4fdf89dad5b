"""Delivering claimed reminders, a batch at a time on a worker, and what follows from each outcome.

A send that leaves the tracker (SMS, e-mail, webhook) is bracketed by two writes: before it, its
attempt is counted and it gets a whole lease (`begin_send`); after it, it is settled at once. So
a worker that dies can repeat only the sends it had in flight, one per process (on a channel that
answers in a few milliseconds, the sends of its last GROUP_WINDOW), and a reminder whose send kills
its worker every time runs out of attempts and is failed. Each send has a total
deadline (notifications.channels.deadline), shorter than the lease, so no send outlives its lease
and a reminder is never sent by two workers at once.
"""

import datetime as dt
import itertools
import logging
import time
import uuid
from collections.abc import Callable

from django.db import transaction
from django.db.models import F

from notifications.channels import DeliveryError, Transport, transport_for
from notifications.channels.deadline import SendDeadlineExceeded, deadline, deadline_for
from notifications.dispatch import (
    LEASE,
    MAX_ATTEMPTS,
    after,
    begin_send,
    bring_forward_retries,
    free_for,
    held,
    moment,
    settle_cancelled,
    settle_failed,
    settle_retry,
    settle_sent,
    surviving_blips,
)
from notifications.messages import STOP_CONFIRMATION
from notifications.models import Reminder

logger = logging.getLogger(__name__)


# Sends that stay in the database (the ward inbox) are marked sent together, at least this often:
# they cannot be repeated anywhere, so one UPDATE for many of them costs nothing in safety.
SETTLE_EVERY = 0.1  # seconds
# Sends on a channel that answers within a few milliseconds (one that stays on this network) are
# taken and settled in groups of at most GROUP_MAX, spanning about GROUP_WINDOW: a worker killed -9
# repeats at most that much of its sends. A real provider (10 ms and more a message) goes one by one.
GROUP_WINDOW = 0.05  # seconds
GROUP_MAX = 50
LAST_PACE = 0.0  # seconds per send of this process's last task: 0 until it has sent one
# A task whose remaining sends would take longer than this at the pace so far shares them out.
SHARE_AFTER = 1.0  # seconds
# A success on a channel brings its waiting retries forward at most this often per process: one
# UPDATE a second, not one per send.
BRING_FORWARD_EVERY = 1.0  # seconds
ANSWERED: dict[str, float] = {}  # channel -> when this process last brought its retries forward
# Settling must be done this long before the lease runs out, or a dispatcher may claim it again.
SETTLE_BEFORE_LEASE_ENDS = 0.5  # seconds


def deliver(reminder_id: int, token: str, now: dt.datetime | None = None) -> str:
    """Send one reminder this worker holds the lease of; return what happened (for logs and tests)."""
    return deliver_batch([reminder_id], token, now).get(reminder_id, "not held")


def deliver_batch(
    reminder_ids: list[int],
    token: str,
    now: dt.datetime | None = None,
    sender: str | None = None,
    share: Callable[[list[int]], None] | None = None,
) -> dict[int, str]:
    """Send the reminders of one claim that this worker still holds; return what happened to each.

    `sender` names this task among those sharing the claim out (each sends the next reminder none
    of the others has taken); the same on a redelivery. One query loads the reminders and one
    UPDATE renews their leases. Once half a lease has gone by (a slow channel), the rest are held
    again before they are sent. Reminders missing from the result were not this task's to send:
    taken by another, already settled, or claimed again after this lease ran out. `now`: tests only.

    When the channel turns out slow (the rest would take longer than SHARE_AFTER at its pace), the
    rest are offered to other tasks with `share(ids)` (once), and taken one by one by whichever is free.
    """
    outcomes: dict[int, str] = {}
    shared = sender is not None
    # Without a name from the dispatcher, one derived from the task's arguments: the same on a redelivery.
    batch = Batch(token, sender or str(uuid.uuid5(uuid.UUID(token), repr(reminder_ids))), now)
    while reminder_ids:
        reminders, reminder_ids = surviving_blips(lambda ids=reminder_ids: hold(ids, batch)), []
        reminders = sending_order(reminders, batch.sender if shared else None)
        batch.held_at = time.monotonic()
        taken: set[int] = set()  # by the claim's other tasks
        position = 0
        while position < len(reminders):
            if position and time.monotonic() > batch.held_at + LEASE.total_seconds() / 2:
                reminder_ids = [later.pk for later in reminders[position:]]
                break
            chunk = next_group(reminders[position : position + batch.group_size()])
            position += len(chunk)
            group = [reminder for reminder in chunk if reminder.pk not in taken]
            results = batch.send_group(group)
            outcomes.update((pk, outcome) for pk, outcome in results.items() if outcome)
            if None in results.values():  # another task took some: see at once which of the rest it has taken
                taken = surviving_blips(lambda rest=reminders[position:]: batch.taken_by_others(rest))
            rest = [later.pk for later in reminders[position:] if later.pk not in taken]
            if share and len(rest) > 1 and batch.pace() * len(rest) > SHARE_AFTER:
                share(rest)
                share = None
    batch.settle_local()
    return outcomes


def sending_order(reminders: list[Reminder], sender: str | None) -> list[Reminder]:
    """Those not yet tried under this claim first; then, one at a time, those this task had taken when its
    worker died (this is its redelivery), the least tried first: if one of them is what kills the
    worker, the others go before it has used up its attempts.

    Each task sharing a claim (`sender`) starts at another place in it, so that they seldom reach
    for the same one.
    """
    fresh = [reminder for reminder in reminders if reminder.send_started_at is None]
    interrupted = sorted(reminders[len(fresh) :], key=lambda r: (r.attempts, r.due_at, r.pk))
    if sender and fresh:
        start = uuid.UUID(sender).int % len(fresh)
        fresh = fresh[start:] + fresh[:start]
    return fresh + interrupted


def next_group(candidates: list[Reminder]) -> list[Reminder]:
    """The next sends to take together: never a reminder that was in flight when a worker died with another."""
    if candidates[0].send_started_at is not None:
        return candidates[:1]
    return list(itertools.takewhile(lambda reminder: reminder.send_started_at is None, candidates))


def hold(reminder_ids: list[int], batch: "Batch") -> list[Reminder]:
    """Load the reminders this token still holds, and give this worker a whole lease for the sends.

    The lease starts at the claim; under a backlog most of it can pass while the task waits in the
    queue. The rows are locked while the lease is renewed, so that a dispatcher cannot claim one
    again in between. Those another task of the claim has taken are left to it. One this task had
    taken was in flight when its worker died (this is the task's redelivery): it goes last, so that
    if its send is what kills the worker, the others have gone first.
    """
    with transaction.atomic():
        reminders = list(
            free_for(batch.sender, held(batch.token, *reminder_ids))
            .select_related("ward", "procedure__patient", "milestone__step", "recipient_patient", "recipient_staff")
            .select_for_update(of=("self",))
            .filter(lease_until__gte=moment(batch.now))
            .order_by(F("send_started_at").asc(nulls_first=True), "due_at", "pk")
        )
        Reminder.objects.filter(pk__in=[reminder.pk for reminder in reminders]).update(
            lease_until=after(batch.now, LEASE)
        )
    return reminders


class Batch:
    """The sends of one task, and the in-app ones that stay to be settled."""

    def __init__(self, token: str, sender: str, now: dt.datetime | None):
        self.token, self.sender, self.now = token, sender, now
        self.held_at = time.monotonic()
        self.local: dict[int, str] = {}  # in-app sends not yet marked sent: id -> provider's message id
        self.local_settled_at = time.monotonic()
        self.sends, self.sending_seconds = 0, 0.0  # in the channels themselves, not the database

    def group_size(self) -> int:
        """How many sends to take (and then settle) together: one, unless the channel answers in
        well under GROUP_WINDOW, so that a worker that dies leaves at most that much unsettled."""
        pace = self.pace()
        return 1 if not pace else max(1, min(GROUP_MAX, int(GROUP_WINDOW / pace)))

    def send_group(self, group: list[Reminder]) -> dict[int, str | None]:
        """Send these reminders, taken together and settled together; None: taken by another task."""
        results: dict[int, str | None] = {}
        ready = []
        for reminder in group:
            if not may_message(reminder):
                surviving_blips(lambda r=reminder: settle_cancelled(r, token=self.token, reason=CONSENT_WITHDRAWN))
                results[reminder.pk] = "cancelled"
            elif reminder.attempts >= MAX_ATTEMPTS:
                results[reminder.pk] = self.give_up(reminder)
            else:
                ready.append((reminder, transport_for(reminder.channel)))
        mine = self.take([reminder for reminder, transport in ready if transport.external])
        settle_by = time.monotonic() + LEASE.total_seconds() - SETTLE_BEFORE_LEASE_ENDS
        sent: dict[int, str] = {}
        for reminder, transport in ready:
            if transport.external and reminder.pk not in mine:
                results[reminder.pk] = None  # taken by another task of the claim, or claimed again meanwhile
                continue
            reminder.attempts += 1  # this one (counted as it was taken, or as it settles)
            began = time.monotonic()
            try:
                provider_id = send_within_deadline(transport, reminder)
            except DeliveryError as error:
                results[reminder.pk] = self.settle_error(reminder, error, settle_by)
                continue
            finally:
                self.sends, self.sending_seconds = self.sends + 1, self.sending_seconds + time.monotonic() - began
            results[reminder.pk] = "sent"
            (sent if transport.external else self.local)[reminder.pk] = provider_id
        if sent:
            surviving_blips(lambda: settle_sent(sent, token=self.token, now=self.now, counted=True), until=settle_by)
            for channel in {reminder.channel for reminder, _ in ready if reminder.pk in sent}:
                self.channel_answered(channel)
        if self.local and time.monotonic() - self.local_settled_at >= SETTLE_EVERY:
            self.settle_local()
        return results

    def take(self, reminders: list[Reminder]) -> set[int]:
        """Take these for this task's sends (begin_send): those it got."""
        if not reminders:
            return set()
        pks = [reminder.pk for reminder in reminders]
        taken = surviving_blips(lambda: begin_send(*pks, token=self.token, sender=self.sender, now=self.now))
        if taken == len(pks):
            return set(pks)
        return set(
            held(self.token, *pks)
            .filter(sender=self.sender, send_started_at__isnull=False)
            .values_list("pk", flat=True)
        )

    def settle_local(self) -> None:
        sent, self.local, self.local_settled_at = self.local, {}, time.monotonic()
        until = self.held_at + LEASE.total_seconds() - SETTLE_BEFORE_LEASE_ENDS
        surviving_blips(lambda: settle_sent(sent, token=self.token, now=self.now), until=until)

    def settle_error(self, reminder: Reminder, error: DeliveryError, settle_by: float) -> str:
        logger.warning("Reminder %s: %s (attempt %s)", reminder.pk, error, reminder.attempts)
        if error.permanent or reminder.attempts >= MAX_ATTEMPTS:
            surviving_blips(
                lambda: settle_failed(reminder, token=self.token, now=self.now, error=str(error)), until=settle_by
            )
            return "failed"
        retry = lambda: settle_retry(reminder, token=self.token, now=self.now, error=str(error))  # noqa: E731
        surviving_blips(retry, until=settle_by)
        return "retry"

    def pace(self) -> float:
        """Seconds per send so far, in the channels (at first, this process's last task's)."""
        global LAST_PACE
        if self.sends:
            LAST_PACE = self.sending_seconds / self.sends
            return LAST_PACE
        return LAST_PACE

    def taken_by_others(self, reminders: list[Reminder]) -> set[int]:
        pks = [reminder.pk for reminder in reminders]
        return set(pks) - set(free_for(self.sender, held(self.token, *pks)).values_list("pk", flat=True))

    def give_up(self, reminder: Reminder) -> str | None:
        """Its attempts are used up before it was sent: its sends killed their workers (this is a redelivery)."""
        error = f"Its worker never came back from {MAX_ATTEMPTS} sends (it died in each): given up."
        logger.error("Reminder %s: %s", reminder.pk, error)
        failed = surviving_blips(lambda: settle_failed(reminder, token=self.token, error=error))
        return "failed" if failed else "not held"

    def channel_answered(self, channel: str) -> None:
        """A success on a channel brings the reminders waiting to retry on it forward (once a second at most)."""
        if time.monotonic() - ANSWERED.get(channel, -BRING_FORWARD_EVERY) >= BRING_FORWARD_EVERY:
            ANSWERED[channel] = time.monotonic()
            surviving_blips(lambda: bring_forward_retries(channel, now=self.now))


CONSENT_WITHDRAWN = "The patient no longer consents to messages."


def send_within_deadline(transport: Transport, reminder: Reminder) -> str:
    """The transport's send, cut off at its channel's deadline: a temporary error, like a timeout."""
    seconds = deadline_for(reminder.channel)
    try:
        with deadline(seconds):
            return transport.send(reminder)
    except SendDeadlineExceeded as error:
        raise DeliveryError(f"The {reminder.channel} send took too long: {error}.") from None


def may_message(reminder: Reminder) -> bool:
    """Consent is checked again at send time: it may have been withdrawn since the reminder was planned.

    The confirmation of a STOP is the one message sent after consent ends.
    """
    patient = reminder.recipient_patient
    return patient is None or patient.messaging_consent or reminder.message_key == STOP_CONFIRMATION
