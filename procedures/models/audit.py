"""Who looked at or changed which patient's record, and replies kept for retried API requests."""

import datetime as dt

from django.conf import settings
from django.db import models

from procedures.models.people import Patient, Ward


class AccessLog(models.Model):
    """One read or change of a patient's record, for the privacy officer."""

    class Action(models.TextChoices):
        READ = "read", "Read"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ward = models.ForeignKey(
        Ward,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="For a view of a whole ward (the board), which names no single patient.",
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    what = models.CharField(max_length=60, help_text="The kind of record, e.g. procedure or timeline.")
    object_id = models.CharField(max_length=40, blank=True)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["patient", "at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.what} {self.object_id} at {self.at:%Y-%m-%d %H:%M:%S}"


class IdempotencyKeyQuerySet(models.QuerySet):
    def expired(self, now) -> "IdempotencyKeyQuerySet":
        """Kept long enough for any client's retries; the replies hold patient data, so not longer."""
        return self.filter(created_at__lt=now - dt.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS))


class IdempotencyKey(models.Model):
    """The first reply to a POST sent with an Idempotency-Key, returned again to a retry."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_reply_per_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
