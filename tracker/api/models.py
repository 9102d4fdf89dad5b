"""The replies kept for POSTs retried with the same Idempotency-Key (tracker.api.idempotency)."""

import datetime as dt

from django.conf import settings
from django.db import models


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
        # The table the model had in procedures (migrations 0006 there, 0001 here): moved without copying a row.
        db_table = "procedures_idempotencykey"
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_reply_per_key")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code})"
