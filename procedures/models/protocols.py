"""Protocols: versioned lists of timed steps, anchored on the events of a procedure.

A protocol is data, edited in the admin. Once a version is published it is never changed in
place (procedures scheduled with it must keep meaning the same thing); a change is a new version.
"""

import calendar
import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procedures.languages import in_language


class EventKind(models.TextChoices):
    STARTED = "started", _("Procedure started")
    CEMENT_INJECTED = "cement_injected", _("Cement injected")
    ENDED = "ended", _("Procedure ended")
    DISCHARGED = "discharged", _("Discharged")
    CANCELLED = "cancelled", _("Cancelled")


ANCHOR_KINDS = [EventKind.STARTED, EventKind.CEMENT_INJECTED, EventKind.ENDED, EventKind.DISCHARGED]
# A step may also be anchored on the time the procedure is scheduled for (a questionnaire answered
# before it): planned when the procedure is scheduled, moved when that time changes.
SCHEDULED = "scheduled"
ANCHORS = [(SCHEDULED, _("Scheduled time")), *[(kind.value, kind.label) for kind in ANCHOR_KINDS]]


class ProtocolQuerySet(models.QuerySet):
    def published(self) -> "ProtocolQuerySet":
        return self.filter(published_at__isnull=False)

    def delete(self):
        refuse_deleting(list(self.published()))
        return super().delete()

    def current(self, code: str) -> "Protocol":
        """Return the newest published version of the protocol with this code."""
        return self.published().filter(code=code).latest("version")


class Protocol(models.Model):
    code = models.SlugField(max_length=64)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the version is published; it can no longer be changed."
    )
    pain_review_after_days = models.PositiveSmallIntegerField(
        default=3,
        help_text="Pain still at or above baseline this many days after discharge asks for a doctor's review.",
    )

    objects = ProtocolQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_protocol_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def delete(self, *args, **kwargs):
        refuse_deleting([self] if self.is_published else [])
        return super().delete(*args, **kwargs)

    def publish(self) -> None:
        if not self.is_published:
            self.published_at = timezone.now()
            self.save(update_fields=["published_at"])

    def new_draft(self) -> "Protocol":
        """Copy this version and its steps into the next, unpublished version."""
        latest = Protocol.objects.filter(code=self.code).order_by("-version").first()
        draft = Protocol.objects.create(
            code=self.code,
            version=latest.version + 1,
            name=self.name,
            description=self.description,
            pain_review_after_days=self.pain_review_after_days,
        )
        for row in [*self.steps.all(), *self.observation_limits.all()]:
            row.pk = None
            row.protocol = draft
            row.save()
        return draft


class ProtocolStep(models.Model):
    """One timed step: due a fixed time after its anchor event, or on a later day at a local time."""

    class Audience(models.TextChoices):
        STAFF = "staff", "Staff"
        PATIENT = "patient", "Patient"
        STAFF_AND_PATIENT = "staff_and_patient", "Staff and patient"

    class Records(models.TextChoices):
        NOTHING = "", "Nothing (a note at most)"
        OBSERVATIONS = "observations", "Observation check"
        PAIN_SCORE = "pain_score", "Pain score"
        QUESTIONNAIRE = "questionnaire", "Questionnaire"

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="steps")
    code = models.SlugField(max_length=64)
    label = models.CharField(max_length=200, help_text="In English; the other languages are in `labels`.")
    labels = models.JSONField(
        default=dict, blank=True, help_text='The label in the other languages, by language code: {"fr": "…"}.'
    )
    anchor = models.CharField(max_length=20, choices=ANCHORS)
    offset = models.DurationField(help_text="Elapsed time from the anchor event to the due time.")
    offset_months = models.PositiveSmallIntegerField(
        default=0, help_text="Calendar months added after the offset, in the ward's time zone."
    )
    at_local_time = models.TimeField(
        null=True, blank=True, help_text="If set, the step is due at this clock time in the ward's zone that day."
    )
    window_opens_before = models.DurationField(
        default=dt.timedelta(0), help_text="How long before the due time the step may already be done."
    )
    overdue_after = models.DurationField(
        default=dt.timedelta(minutes=15), help_text="How long after the due time an open step shows as overdue."
    )
    window_closes_after = models.DurationField(
        null=True,
        blank=True,
        help_text="If set, how long after the due time the step can still be done; after that it is missed.",
    )
    acknowledge_within = models.DurationField(
        null=True, blank=True, help_text="Staff reminders not acknowledged within this time escalate."
    )
    audience = models.CharField(max_length=20, choices=Audience.choices)
    action = models.TextField(help_text="What is done or recorded at this step (in English).")
    actions = models.JSONField(
        default=dict, blank=True, help_text='The action in the other languages, by language code: {"fr": "…"}.'
    )
    records = models.CharField(max_length=20, choices=Records.choices, default=Records.NOTHING, blank=True)
    questionnaire = models.ForeignKey(
        "procedures.Questionnaire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The questionnaire this step asks for (when it records a questionnaire).",
    )
    message_key = models.SlugField(max_length=64, blank=True, help_text="Message template key; empty means the code.")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["protocol", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["protocol", "code"], name="unique_step_code")]

    def __str__(self) -> str:
        return f"{self.code} ({self.protocol})"

    def clean(self) -> None:
        if self.protocol_id and self.protocol.is_published:
            raise ValidationError("This protocol version is published; make a new version to change its steps.")
        if self.offset_months and not self.at_local_time:
            raise ValidationError({"at_local_time": "A step counted in months needs a local time of day."})
        if (self.records == self.Records.QUESTIONNAIRE) != (self.questionnaire_id is not None):
            raise ValidationError({"questionnaire": "A step records a questionnaire exactly when it names one."})

    def label_in(self, language: str | None = None) -> str:
        """The label in `language` (the active one by default), or else in English."""
        return in_language(self.label, self.labels, language)

    @property
    def translated_label(self) -> str:
        """The label in the active language (for templates)."""
        return self.label_in()

    @property
    def translated_action(self) -> str:
        """What is done at this step, in the active language, or else in English."""
        return in_language(self.action, self.actions)

    @property
    def notifies_staff(self) -> bool:
        return self.audience in (self.Audience.STAFF, self.Audience.STAFF_AND_PATIENT)

    @property
    def notifies_patient(self) -> bool:
        return self.audience in (self.Audience.PATIENT, self.Audience.STAFF_AND_PATIENT)

    @property
    def message(self) -> str:
        """The key of the message it sends (notifications.messages): its message_key, else `questionnaire`
        for a step that asks one, else its code."""
        if self.message_key:
            return self.message_key
        return "questionnaire" if self.records == self.Records.QUESTIONNAIRE else self.code

    def due_at(self, anchor_at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
        """Return when this step is due (UTC) for an anchor event at `anchor_at`.

        The offset is elapsed time: 12 hours after an injection at 21:00 on the night the clocks
        go back is 08:00 local, not 09:00. Only months and a local clock time follow the calendar.
        """
        due = anchor_at + self.offset
        if not (self.offset_months or self.at_local_time):
            return due.astimezone(dt.UTC)
        local_date = add_months(due.astimezone(zone).date(), self.offset_months)
        local = dt.datetime.combine(local_date, self.at_local_time or due.astimezone(zone).time(), tzinfo=zone)
        return local.astimezone(dt.UTC)

    def window_opens_at(self, due_at: dt.datetime) -> dt.datetime:
        return due_at - self.window_opens_before

    def overdue_at(self, due_at: dt.datetime) -> dt.datetime:
        return due_at + self.overdue_after

    def closes_at(self, due_at: dt.datetime) -> dt.datetime | None:
        return None if self.window_closes_after is None else due_at + self.window_closes_after


def refuse_deleting(published: list[Protocol]) -> None:
    """A published version is never deleted: procedures were, or may have been, planned with it."""
    if published:
        raise ProtectedError(
            f"A published protocol version cannot be deleted ({', '.join(map(str, published))}); "
            "make a new version instead.",
            set(published),
        )


def add_months(day: dt.date, months: int) -> dt.date:
    """Add calendar months, keeping the day of the month where it exists (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))
