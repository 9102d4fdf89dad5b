"""Procedures, the events recorded on them, and the milestones derived from those events."""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, Q, Value, When
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procedures.levels import LEVELS, spine_order
from procedures.models.people import Patient, Ward
from procedures.models.protocols import EventKind, Protocol, ProtocolStep


class ProcedureQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ProcedureQuerySet":
        return self.filter(patient__ward__in=Ward.objects.visible_to(user))

    def active(self) -> "ProcedureQuerySet":
        return self.exclude(status__in=[Procedure.Status.CANCELLED, Procedure.Status.DISCHARGED])


class Procedure(models.Model):
    class Kind(models.TextChoices):
        VERTEBROPLASTY = "vertebroplasty", _("Vertebroplasty")
        KYPHOPLASTY = "kyphoplasty", _("Balloon kyphoplasty")

    class Indication(models.TextChoices):
        OSTEOPOROTIC_FRACTURE = "osteoporotic_fracture", "Osteoporotic fracture"
        TUMOUR = "tumour", "Tumour or metastasis"
        ANGIOMA = "angioma", "Vertebral angioma"
        OTHER = "other", "Other"

    class Anaesthesia(models.TextChoices):
        LOCAL = "local", "Local"
        GENERAL = "general", "General"

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_PROGRESS = "in_progress", _("In progress")
        RECOVERING = "recovering", _("Recovering")
        DISCHARGED = "discharged", _("Discharged")
        CANCELLED = "cancelled", _("Cancelled")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="procedures")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    indication = models.CharField(max_length=30, choices=Indication.choices)
    levels = models.JSONField(help_text='Treated levels in spine order, e.g. ["T12", "L1"].')
    anaesthesia = models.CharField(max_length=10, choices=Anaesthesia.choices)
    scheduled_at = models.DateTimeField()
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    protocol = models.ForeignKey(Protocol, on_delete=models.PROTECT, related_name="procedures")
    cement_volume_ml = models.JSONField(
        default=dict, blank=True, help_text='Cement volume per level in ml, e.g. {"T12": 3.5}.'
    )
    # Follows from the events; written only by procedures.timeline.record_event.
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED, editable=False)

    objects = ProcedureQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-scheduled_at"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {'+'.join(self.levels or [])} for {self.patient}"

    def clean(self) -> None:
        self.levels = clean_levels(self.levels)
        if len(self.levels) > 1 and self.anaesthesia == self.Anaesthesia.LOCAL:
            raise ValidationError(
                {"anaesthesia": "More than one level is treated under general anaesthesia, not local."}
            )
        self.cement_volume_ml = clean_cement_volumes(self.cement_volume_ml, self.levels)
        if self.protocol_id and not self.protocol.is_published:
            raise ValidationError({"protocol": "Only a published protocol version can be followed."})

    @property
    def ward(self) -> Ward:
        return self.patient.ward

    @staticmethod
    def status_after(kinds: set[str]) -> "Procedure.Status":
        """Return the status that a procedure with events of these kinds is in."""
        if EventKind.CANCELLED in kinds:
            return Procedure.Status.CANCELLED
        if EventKind.DISCHARGED in kinds:
            return Procedure.Status.DISCHARGED
        if EventKind.ENDED in kinds:
            return Procedure.Status.RECOVERING
        if kinds & {EventKind.STARTED, EventKind.CEMENT_INJECTED}:
            return Procedure.Status.IN_PROGRESS
        return Procedure.Status.SCHEDULED


def clean_levels(levels) -> list[str]:
    if not isinstance(levels, list) or not levels:
        raise ValidationError({"levels": "Name at least one treated level, e.g. L1."})
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise ValidationError({"levels": f"Unknown level {unknown[0]!r}: use C1–C7, T1–T12 or L1–L5."})
    if len(set(levels)) != len(levels):
        raise ValidationError({"levels": "Each level may be named only once."})
    return spine_order(levels)


def clean_cement_volumes(volumes, levels: list[str]) -> dict[str, float]:
    if volumes in (None, ""):
        return {}
    if not isinstance(volumes, dict):
        raise ValidationError({"cement_volume_ml": 'Give volumes per level, e.g. {"L1": 3.5}.'})
    for level, ml in volumes.items():
        if level not in levels:
            raise ValidationError({"cement_volume_ml": f"{level} is not one of the treated levels."})
        if isinstance(ml, bool) or not isinstance(ml, int | float) or not 0 < ml <= 20:
            raise ValidationError({"cement_volume_ml": f"The volume for {level} must be between 0 and 20 ml."})
    return volumes


class Event(models.Model):
    """A fact about a procedure. Recording the same kind again corrects its time; history keeps the old one."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["procedure", "kind"], name="one_event_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M} UTC"


class MilestoneQuerySet(models.QuerySet):
    def open(self) -> "MilestoneQuerySet":
        return self.filter(completed_at__isnull=True, cancelled_at__isnull=True)

    def awaited(self, now: dt.datetime) -> "MilestoneQuerySet":
        """Open and not missed: still to be done at `now`."""
        return self.open().exclude(closes_at__lte=now)

    def with_status(self, now: dt.datetime) -> "MilestoneQuerySet":
        """Annotate `current_status`, the same value as Milestone.status_at(now), for filtering in SQL."""
        return self.annotate(
            current_status=Case(
                When(completed_at__isnull=False, then=Value(Milestone.Status.COMPLETED)),
                When(cancelled_at__isnull=False, then=Value(Milestone.Status.CANCELLED)),
                When(closes_at__lte=now, then=Value(Milestone.Status.MISSED)),
                When(window_opens_at__gt=now, then=Value(Milestone.Status.PENDING)),
                When(overdue_at__gt=now, then=Value(Milestone.Status.DUE)),
                default=Value(Milestone.Status.OVERDUE),
            )
        )


class Milestone(models.Model):
    """A protocol step applied to one procedure. Derived from events, never typed in by hand."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DUE = "due", "Due"
        OVERDUE = "overdue", "Overdue"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        # A step the patient could answer only within a window (a questionnaire), not answered in it.
        MISSED = "missed", "Missed"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="milestones")
    step = models.ForeignKey(ProtocolStep, on_delete=models.PROTECT, related_name="milestones")
    window_opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    overdue_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True, help_text="After this, an open milestone is missed.")

    objects = MilestoneQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_at", "step__order"]
        constraints = [models.UniqueConstraint(fields=["procedure", "step"], name="one_milestone_per_step")]
        indexes = [models.Index(fields=["due_at"], condition=Q(completed_at__isnull=True), name="open_milestone_due")]

    def __str__(self) -> str:
        return f"{self.step.code} due {self.due_at:%Y-%m-%d %H:%M} UTC"

    @property
    def code(self) -> str:
        return self.step.code

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.cancelled_at is None

    def status_at(self, now: dt.datetime) -> "Milestone.Status":
        if self.completed_at:
            return self.Status.COMPLETED
        if self.cancelled_at:
            return self.Status.CANCELLED
        if self.closes_at and now >= self.closes_at:
            return self.Status.MISSED
        if now < self.window_opens_at:
            return self.Status.PENDING
        if now < self.overdue_at:
            return self.Status.DUE
        return self.Status.OVERDUE

    def schedule_from(self, anchor_at: dt.datetime) -> None:
        """Set the times of this milestone from its anchor's time."""
        zone = self.procedure.patient.ward.zone
        self.due_at = self.step.due_at(anchor_at, zone)
        self.window_opens_at = self.step.window_opens_at(self.due_at)
        self.overdue_at = self.step.overdue_at(self.due_at)
        self.closes_at = self.step.closes_at(self.due_at)
