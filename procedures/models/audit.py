"""Who looked at or changed which patient's record.

The access log stays beside the patients it names (it is written by the ward's pages and the
admin as well as the API); tracker.api.access_log writes it for an API request."""

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
