"""Delivering claimed reminders on a worker, and what follows from each outcome.

The tasks of one claim share it out (notifications.tasks.hand_out): each takes the next reminders
no other task has taken (`take_next`, one UPDATE), sends them and settles them, until none is
left, so every free process takes its share of a burst. A send that leaves the tracker (SMS,
e-mail, webhook) is bracketed by two writes: as it is taken, its attempt is counted and it gets a
whole lease; after it, it is settled at once. So a worker that dies can repeat only the sends it
had in flight, one per process (on a channel that answers in a few milliseconds, the sends of its
last GROUP_WINDOW), and a reminder whose send kills its worker every time runs out of attempts and
is failed. Each send has a total deadline (notifications.channels.deadline), shorter than the
lease, so no send outlives its lease and a reminder is never sent by two workers at once.
"""

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable

from django.conf import settings

from notifications.channels import DeliveryError, Transport, transport_for
from notifications.channels.deadline import SendDeadlineExceeded, deadline, deadline_for
from notifications.dispatch import (
    LEASE,
    MAX_ATTEMPTS,
    begin_send,
    bring_forward_retries,
    in_flight,
    renew_untaken,
    settle_cancelled,
    settle_failed,
    settle_retry,
    settle_sent,
    surviving_blips,
    take_next,
)
from notifications.messages import STOP_CONFIRMATION
from notifications.models import Reminder

logger = logging.getLogger(__name__)


# Sends on a channel that answers within a few milliseconds (one that stays on this network) are
# taken and settled in groups of at most GROUP_MAX, spanning about GROUP_WINDOW: a worker killed -9
# repeats at most that much of its sends. A real provider (10 ms and more a message) goes one by one.
# Sends that stay in the database (the ward inbox) cannot be repeated anywhere: GROUP_MAX at a time.
GROUP_WINDOW = 0.05  # seconds
GROUP_MAX = 50
LAST_PACE = 0.0  # seconds per send of this process's last task: 0 until it has sent one
# A task whose remaining sends would take longer than this at the pace so far has others help it.
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
    share: Callable[[], None] | None = None,
) -> dict[int, str]:
    """Send the reminders of one claim that no other task takes first; return what happened to each.

    `sender` names this task among those sharing the claim; the same on a redelivery, which sends
    first what nobody has taken, then, one at a time and the least tried first, those this task had
    in flight when its worker died: if one of them is what kills the worker, the others go before it
    has used up its attempts. Reminders missing from the result were not this task's to send: taken
    by another, already settled, or claimed again after the lease ran out. `now`: tests only.

    When the channel turns out slow (what is left would take longer than SHARE_AFTER at its pace),
    `share()` is called once: it starts more tasks taking from the same claim.
    """
    # Without a name from the dispatcher, one derived from the task's arguments: the same on a redelivery.
    batch = Batch(reminder_ids, token, sender or str(uuid.uuid5(uuid.UUID(token), repr(reminder_ids))), now)
    interrupted = surviving_blips(batch.interrupted)
    batch.done.update(reminder.pk for reminder in interrupted)
    while True:
        if share and batch.pace() * (len(reminder_ids) - len(batch.done)) > SHARE_AFTER:
            share()
            share = None
        if not (group := surviving_blips(batch.take)):
            break
        batch.send_group(group)
    for reminder in interrupted:
        if surviving_blips(lambda r=reminder: batch.take_again(r)):
            batch.send_group([reminder])
    return batch.outcomes


class Batch:
    """The sends of one task: what it took, what became of each, and the channels' pace."""

    def __init__(self, reminder_ids: list[int], token: str, sender: str, now: dt.datetime | None):
        self.ids, self.token, self.sender, self.now = reminder_ids, token, sender, now
        self.outcomes: dict[int, str] = {}
        self.done: set[int] = set()  # taken by this task (and settled, or being sent)
        self.local = {channel for channel in settings.NOTIFICATION_TRANSPORTS if not transport_for(channel).external}
        self.renew_at = time.monotonic() + LEASE.total_seconds() / 4
        self.sends, self.sending_seconds = 0, 0.0  # in the channels themselves, not the database

    def interrupted(self) -> list[Reminder]:
        """Those this task had taken when its worker died (this is its redelivery), the least tried first."""
        reminders = self.load(in_flight(self.ids, token=self.token, sender=self.sender))
        return sorted(reminders, key=lambda r: (r.attempts, r.due_at, r.pk))

    def take(self) -> list[Reminder]:
        """The next group of reminders nobody has taken, taken by this task; [] when none is left."""
        if time.monotonic() >= self.renew_at:  # a long task: those still untaken keep their lease
            self.renew_at = time.monotonic() + LEASE.total_seconds() / 4
            renew_untaken(self.ids, token=self.token, now=self.now)
        counts = {True: GROUP_MAX, False: self.group_size()} if self.local else {False: self.group_size()}
        if not take_next(self.ids, token=self.token, sender=self.sender, counts=counts, local=self.local, now=self.now):
            return []
        taken = self.load(in_flight(self.ids, token=self.token, sender=self.sender).exclude(pk__in=self.done))
        self.done.update(reminder.pk for reminder in taken)
        return taken

    def take_again(self, reminder: Reminder) -> bool:
        """Take one this task had in flight when its worker died, as another attempt; or fail it if spent."""
        if reminder.attempts >= MAX_ATTEMPTS:
            self.outcomes[reminder.pk] = self.give_up(reminder)
            return False
        if not begin_send(reminder.pk, token=self.token, sender=self.sender, now=self.now):
            return False  # no longer held: claimed again after its lease ran out
        reminder.attempts += 1
        return True

    @staticmethod
    def load(reminders) -> list[Reminder]:
        return list(
            reminders.select_related(
                "ward", "procedure__patient", "milestone__step", "recipient_patient", "recipient_staff"
            ).order_by("due_at", "pk")
        )

    def group_size(self) -> int:
        """How many sends to take (and then settle) together: one, unless the channel answers in
        well under GROUP_WINDOW, so that a worker that dies leaves at most that much unsettled."""
        pace = self.pace()
        return 1 if not pace else max(1, min(GROUP_MAX, int(GROUP_WINDOW / pace)))

    def send_group(self, group: list[Reminder]) -> None:
        """Send these reminders, taken together, and settle them together (each error at once)."""
        settle_by = time.monotonic() + LEASE.total_seconds() - SETTLE_BEFORE_LEASE_ENDS
        sent: dict[int, str] = {}
        answered = set()
        for reminder in group:
            if not may_message(reminder):
                surviving_blips(lambda r=reminder: settle_cancelled(r, token=self.token, reason=CONSENT_WITHDRAWN))
                self.outcomes[reminder.pk] = "cancelled"
                continue
            transport = transport_for(reminder.channel)
            began = time.monotonic()
            try:
                provider_id = send_within_deadline(transport, reminder)
            except DeliveryError as error:
                self.outcomes[reminder.pk] = self.settle_error(reminder, error, settle_by)
                continue
            finally:
                self.sends, self.sending_seconds = self.sends + 1, self.sending_seconds + time.monotonic() - began
            self.outcomes[reminder.pk] = "sent"
            sent[reminder.pk] = provider_id
            if transport.external:
                answered.add(reminder.channel)
        if sent:
            surviving_blips(lambda: settle_sent(sent, token=self.token, now=self.now, counted=True), until=settle_by)
        for channel in answered:
            self.channel_answered(channel)

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

    def give_up(self, reminder: Reminder) -> str:
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
