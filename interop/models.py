from django.db import models

from procedures.models import Procedure


class ExternalProcedure(models.Model):
    """The hospital record's identifier of a procedure booked through FHIR, to find it again."""

    system = models.CharField(max_length=200)
    value = models.CharField(max_length=200)
    procedure = models.OneToOneField(Procedure, on_delete=models.CASCADE, related_name="external_id")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "value"], name="one_procedure_per_external_id")]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"
