"""What the ward pages keep of their own: the nurses' free-text handover notes."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.models import Patient


class HandoverNote(models.Model):
    """A line a nurse writes for the next shift about one patient; shown on the handover and patient pages."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="handover_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(_("Handover note"), max_length=2000)

    class Meta:
        ordering = ["-written_at", "-id"]
        indexes = [models.Index(fields=["patient", "-written_at"])]

    def __str__(self) -> str:
        return f"handover note on patient {self.patient_id} at {self.written_at:%Y-%m-%d %H:%M} UTC"
