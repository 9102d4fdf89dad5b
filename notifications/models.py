"""The outbox: every reminder the tracker will send, is sending, or has sent.

The database holds the schedule; Redis only carries "deliver reminder N now". A reminder row is
written in the same transaction as what caused it (a milestone, a red flag, a patient's text), with
a unique key, through `Reminder.objects.plan`, so the same reminder can never be created twice, and
one whose worker died is found again by its lease.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Now

from procedures.languages import in_language
from procedures.models import Milestone, Patient, Procedure, Ward
from tracker.local_time import stamp


class ReminderQuerySet(models.QuerySet):
    def plan(self, *, key: str, **fields) -> "Reminder":
        """Plan one message: create the reminder under `key`, or return the one already planned under it.

        The one way reminders are made. The key makes planning idempotent: the same milestone, red
        flag or reply planned twice, or by two processes at once, is one reminder (the loser of a
        race gets the winner's row). Call it inside the transaction that caused the message.
        """
        try:
            with transaction.atomic():  # a savepoint: a duplicate key leaves the caller's transaction usable
                return self.create(key=key, **fields)
        except IntegrityError:
            planned = self.filter(key=key).first()
            if planned is None:  # not a duplicate key: a real error (e.g. no recipient, or two)
                raise
            return planned

    def visible_to(self, user) -> "ReminderQuerySet":
        return self.filter(ward__in=Ward.objects.visible_to(user))

    def claimable(self, now: dt.datetime) -> "ReminderQuerySet":
        """Due and scheduled, or stuck in a delivery whose lease ran out (its worker died)."""
        scheduled = Q(status=Reminder.Status.SCHEDULED, due_at__lte=now)
        abandoned = Q(status=Reminder.Status.SENDING, lease_until__lt=now)
        return self.filter(scheduled | abandoned)

    def for_people(self) -> "ReminderQuerySet":
        """Without the copies sent to the interface engine: nobody acknowledges those."""
        return self.exclude(recipient_role=Reminder.INTERFACE_ENGINE)

    def needing_attention(self) -> "ReminderQuerySet":
        """Staff reminders to show on the ward board: sent and unanswered, or failed. Urgent first."""
        unanswered = Q(status=Reminder.Status.SENT, acknowledged_at__isnull=True)
        failed = Q(status=Reminder.Status.FAILED)
        # One line per chain: the escalations of a reminder are answered with it.
        return (
            self.for_people()
            .filter(unanswered | failed, recipient_patient__isnull=True, escalates__isnull=True)
            .select_related("milestone__step")
            .order_by("-urgent", "due_at")
        )

    def open_red_flags(self) -> "ReminderQuerySet":
        """Red-flag alerts to staff nobody has acknowledged yet, one per chain, whatever their delivery
        stage: a flag raised while the workers are down is still a red flag on the ward."""
        return (
            self.for_people()
            .filter(kind=Reminder.Kind.ALERT, acknowledged_at__isnull=True, escalates__isnull=True)
            .filter(recipient_patient__isnull=True)
            .exclude(status=Reminder.Status.CANCELLED)
        )

    def awaiting_acknowledgement(self, now: dt.datetime) -> "ReminderQuerySet":
        return self.filter(
            status=Reminder.Status.SENT, acknowledged_at__isnull=True, escalate_at__lte=now, escalated_at__isnull=True
        )


class Reminder(models.Model):
    """One message the tracker sends: to a staff role on a ward, a named staff member, the patient, or
    the hospital's interface engine, on one channel, once.

    Vocabulary: in the code every such message is a *reminder*, whatever its kind; the API publishes
    the same rows as "notifications" (/api/notifications/, a name kept as published). An *alert* is
    only a reminder of kind `alert`: a red flag (/api/alerts/, the red-flag list of the ward board).
    The other lines the board shows are reminders that want attention.

    Kinds (`kind`):
    - `milestone`: planned from a milestone of the procedure's protocol (notifications.outbox): the
      ward inbox line, the interface engine's copy, the patient's message (the day before and on
      the morning of an appointment).
    - `alert`: a red flag for the ward's staff (notifications.alerts); `red_flag` says which.
    - `escalation`: one step up the ward's chain (charge nurses, then the doctor on call) for a staff
      reminder nobody acknowledged in time (notifications.escalation); `escalates` points at the
      reminder the chain started from.
    - `failure`: the report to the charge nurses that a reminder could not be delivered.
    - `reply`: what a patient's text back produced (notifications.inbound): a line in the ward inbox,
      or the answer texted to her (thanks, the STOP confirmation).
    - `link`: the patient's own link, sent at a nurse's request (notifications.link_messages).

    Staff acknowledge a sent staff reminder (notifications.escalation.acknowledge_sent_reminder) and
    any red flag whatever its delivery stage (notifications.alerts); acknowledging any reminder of a
    chain acknowledges the whole chain.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Channel(models.TextChoices):
        INAPP = "inapp", "Ward inbox"
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"
        WEBHOOK = "webhook", "Webhook"
        CONSOLE = "console", "Console"

    class Kind(models.TextChoices):
        MILESTONE = "milestone", "Milestone reminder"
        ESCALATION = "escalation", "Escalation"
        FAILURE = "failure", "Failed delivery report"
        ALERT = "alert", "Red-flag alert"
        REPLY = "reply", "Patient's reply"
        LINK = "link", "Patient's link, sent by staff"

    # The recipient role of the copies of staff reminders and alerts sent to the hospital's interface
    # engine (the webhook channel), when WEBHOOK_URL is set.
    INTERFACE_ENGINE = "interface_engine"

    # What the ward board and the alerts list show; never sent to a patient.
    summary = models.CharField(max_length=300, blank=True)
    # The summary in the other languages ({"fr": "…"}), written when the reminder is made.
    summaries = models.JSONField(default=dict, blank=True)

    key = models.CharField(max_length=200, unique=True, help_text="Same key, same reminder: never created twice.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MILESTONE)
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="reminders")
    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    # Exactly one recipient: a staff role on the ward, a named staff member, or the patient.
    recipient_role = models.CharField(max_length=20, blank=True)
    recipient_staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    recipient_patient = models.ForeignKey(Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    message_key = models.CharField(
        max_length=64, help_text="What the message says: a protocol step's message key, or one of the tracker's own."
    )
    red_flag = models.CharField(
        max_length=32,
        blank=True,
        help_text="The red flag (procedures.red_flags.RedFlagKind) an alert, its escalations and its failure reports "
        "are about; empty for every other reminder.",
    )
    urgent = models.BooleanField(default=False, help_text="Urgent reminders ignore quiet hours.")
    due_at = models.DateTimeField()
    first_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was first due, once a retry has moved due_at (else empty)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Sends tried: counted as each begins, so a send that never came back counts too."
    )
    last_error = models.TextField(blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    send_started_at = models.DateTimeField(
        null=True, blank=True, help_text="When the send under the current lease began (empty until then)."
    )
    sender = models.UUIDField(
        null=True, blank=True, help_text="The delivery task that took it for that send (a claim's tasks share it out)."
    )
    # For /healthz: whether a reminder keeps coming back (a send that kills its worker, a lease that
    # runs out again and again).
    claims = models.PositiveIntegerField(default=0, help_text="Times dispatch handed it to a worker.")
    sent_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    acknowledge_within = models.DurationField(
        null=True, blank=True, help_text="Once sent, escalates if not acknowledged within this time."
    )
    escalate_at = models.DateTimeField(null=True, blank=True, help_text="Escalates if not acknowledged by then.")
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalates = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="escalations",
        help_text="For an escalation step: the reminder its chain started from (not the step before); else empty.",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The dispatcher's two questions, each answered from a small partial index, whatever the
            # number of reminders already sent.
            models.Index(fields=["due_at"], condition=Q(status="scheduled"), name="reminder_scheduled_due"),
            models.Index(fields=["lease_until"], condition=Q(status="sending"), name="reminder_sending_lease"),
            # Retries waiting on a channel, brought forward when it answers again (notifications.dispatch).
            models.Index(
                fields=["channel", "due_at"],
                condition=Q(status="scheduled", attempts__gt=0),
                name="reminder_waiting_retry",
            ),
            # /healthz: reminders retried and not yet settled for good, and those claimed again and again.
            models.Index(
                fields=["first_due_at"],
                condition=Q(status__in=["scheduled", "sending"], first_due_at__isnull=False),
                name="reminder_unsettled_first_due",
            ),
            models.Index(
                fields=["claims"],
                condition=Q(status__in=["scheduled", "sending"], claims__gt=1),
                name="reminder_unsettled_reclaimed",
            ),
            models.Index(
                fields=["escalate_at"],
                condition=Q(status="sent", acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="reminder_unacknowledged",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(recipient_role="", recipient_staff__isnull=True, recipient_patient__isnull=False)
                    | Q(recipient_role="", recipient_staff__isnull=False, recipient_patient__isnull=True)
                    | (~Q(recipient_role="") & Q(recipient_staff__isnull=True, recipient_patient__isnull=True))
                ),
                name="reminder_has_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_key} to {self.recipient} by {self.channel} at {self.due_at:%Y-%m-%d %H:%M} UTC"

    @property
    def original_due_at(self) -> dt.datetime:
        """When it was due before any retry moved it: what receivers are told, and what lateness counts from."""
        return self.first_due_at or self.due_at

    @property
    def label(self) -> str:
        """A short line for staff: the red flag, or the step the reminder is about."""
        return self.label_in()

    def label_in(self, language: str | None = None) -> str:
        """The label in `language` (the active one by default), or else in English."""
        if self.summary:
            return in_language(self.summary, self.summaries, language)
        return self.milestone.step.label_in(language) if self.milestone_id else self.topic.replace("_", " ")

    @property
    def topic(self) -> str:
        """What it is about, as a key: the red flag of an alert (and of its escalations), else its message key."""
        return self.red_flag or self.message_key

    @property
    def recipient(self) -> str:
        if self.recipient_patient_id:
            return "patient"
        if self.recipient_staff_id:
            return f"staff:{self.recipient_staff_id}"
        return f"role:{self.recipient_role}"

    @property
    def for_staff(self) -> bool:
        return self.recipient_patient_id is None


class OnCall(models.Model):
    """Who is the doctor on call for a ward, and when: the last step of every escalation."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="on_call")
    # Only a doctor can be the last step of a chain; checked by full_clean (the admin, any form).
    doctor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="on_call",
        limit_choices_to={"role": "doctor"},
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["ward", "starts_at"]
        verbose_name = "doctor on call"
        verbose_name_plural = "doctors on call"

    def __str__(self) -> str:
        # In the ward's zone, with its abbreviation: the admin's form gives a time in that zone, the database in UTC.
        return f"{self.doctor} on call for {self.ward} from {stamp(self.starts_at, self.ward.zone)}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The shift must end after it starts."})

    def overlapping(self) -> "models.QuerySet[OnCall]":
        """The ward's other shifts that share some time with this one."""
        return (
            OnCall.objects.filter(ward_id=self.ward_id, starts_at__lt=self.ends_at, ends_at__gt=self.starts_at)
            .exclude(pk=self.pk)
            .select_related("doctor")
        )


class Heartbeat(models.Model):
    """When a periodic job last ran, for /healthz (a stuck beat must show up)."""

    name = models.CharField(max_length=50, primary_key=True)
    ran_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} ran at {self.ran_at:%Y-%m-%d %H:%M:%S} UTC"

    @classmethod
    def beat(cls, name: str, now: dt.datetime | None = None) -> None:
        """It ran now: on the database's clock, which /healthz reads too (a host's own may be off); `now`: tests."""
        ran_at = now or Now()
        if not cls.objects.filter(name=name).update(ran_at=ran_at):
            cls.objects.get_or_create(name=name, defaults={"ran_at": ran_at})


class InboundMessage(models.Model):
    """A text message a patient sent back, as the SMS provider delivered it, and what was read in it."""

    provider_message_id = models.CharField(max_length=64, unique=True, help_text="A retried webhook is read once.")
    sender = models.CharField(max_length=20, help_text="The number it came from (E.164).")
    body = models.TextField()
    received_at = models.DateTimeField()
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, null=True, blank=True, related_name="replies")
    stop = models.BooleanField(default=False)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    red_flags = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"reply {self.provider_message_id} at {self.received_at:%Y-%m-%d %H:%M} UTC"


class PatientLink(models.Model):
    """A link to a patient's own page, as issued in a message or handed over on the ward (see patient_links)."""

    key = models.CharField(max_length=32, unique=True, help_text="Random and opaque; the URL carries it signed.")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"link {self.key[:4]}… issued {self.issued_at:%Y-%m-%d %H:%M} UTC"
