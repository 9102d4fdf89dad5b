"""What is measured and reported about a patient after the procedure: pain, observation checks, complications."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from procedures.models.procedures import Milestone, Procedure
from procedures.models.protocols import Protocol


def between(low, high) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class PainScore(models.Model):
    """Pain on the 0–10 verbal numeric rating scale (LOINC 72514-3)."""

    class Source(models.TextChoices):
        BASELINE = "baseline", "Baseline before the procedure"
        STAFF = "staff", "Recorded by staff"
        PATIENT = "patient", "Reported by the patient"

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="pain_scores")
    score = models.PositiveSmallIntegerField(validators=between(0, 10))
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    milestone = models.ForeignKey(Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["procedure", "recorded_at"])]

    def __str__(self) -> str:
        return f"pain {self.score}/10 at {self.recorded_at:%Y-%m-%d %H:%M} UTC ({self.source})"


class ObservationCheck(models.Model):
    """One set of post-operative observations: vital signs, legs, puncture site, bladder."""

    class Neuro(models.TextChoices):
        NORMAL = "normal", _("As before")
        CHANGED = "changed", _("Changed")

    class PunctureSite(models.TextChoices):
        CLEAN = "clean", _("Clean and dry")
        OOZING = "oozing", _("Oozing")
        BLEEDING = "bleeding", _("Bleeding")
        HAEMATOMA = "haematoma", _("Haematoma")
        INFLAMED = "inflamed", _("Red, swollen or discharging")

    class Bladder(models.TextChoices):
        NORMAL = "normal", _("Normal")
        RETENTION = "retention", _("Retention")
        INCONTINENCE = "incontinence", _("Incontinence")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="observations")
    milestone = models.ForeignKey(Milestone, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Plausibility limits, not clinical ones: a value outside them is a typing mistake and refused.
    systolic_bp = models.PositiveSmallIntegerField(_("systolic BP (mmHg)"), validators=between(40, 300))
    diastolic_bp = models.PositiveSmallIntegerField(_("diastolic BP (mmHg)"), validators=between(20, 200))
    pulse = models.PositiveSmallIntegerField(_("pulse (/min)"), validators=between(20, 250))
    spo2 = models.PositiveSmallIntegerField(_("SpO2 (%)"), validators=between(50, 100))
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, validators=between(30, 45))
    leg_strength = models.CharField(_("leg strength"), max_length=10, choices=Neuro.choices)
    leg_sensation = models.CharField(_("leg sensation"), max_length=10, choices=Neuro.choices)
    puncture_site = models.CharField(_("puncture site"), max_length=10, choices=PunctureSite.choices)
    bladder = models.CharField(_("bladder"), max_length=15, choices=Bladder.choices, default=Bladder.NORMAL)
    pain = models.OneToOneField(PainScore, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"observations at {self.recorded_at:%Y-%m-%d %H:%M} UTC"


class ObservationLimit(models.Model):
    """A protocol's red-flag threshold for one vital sign: below one value, or at or above another."""

    class Measure(models.TextChoices):
        SYSTOLIC_BP = "systolic_bp", "Systolic BP (mmHg)"
        DIASTOLIC_BP = "diastolic_bp", "Diastolic BP (mmHg)"
        PULSE = "pulse", "Pulse (/min)"
        SPO2 = "spo2", "SpO2 (%)"
        TEMPERATURE = "temperature", "Temperature (°C)"

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="observation_limits")
    measure = models.CharField(max_length=20, choices=Measure.choices)
    alert_below = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    alert_at_or_above = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["protocol", "measure"], name="one_limit_per_measure")]

    def __str__(self) -> str:
        return f"{self.get_measure_display()}: below {self.alert_below} or from {self.alert_at_or_above}"

    def is_breached_by(self, value) -> bool:
        too_low = self.alert_below is not None and value < self.alert_below
        too_high = self.alert_at_or_above is not None and value >= self.alert_at_or_above
        return too_low or too_high


class Complication(models.Model):
    class Kind(models.TextChoices):
        CEMENT_LEAKAGE = "cement_leakage", _("Cement leakage")
        NEURO_DEFICIT = "neuro_deficit", _("New neurological deficit")
        CHEST_SYMPTOMS = "chest_symptoms", _("Chest pain or breathlessness")
        INFECTION = "infection", _("Fever or wound infection")
        HAEMATOMA = "haematoma", _("Haematoma")
        NEW_FRACTURE = "new_fracture", _("New fracture (treated or neighbouring level)")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        MILD = "mild", _("Mild")
        MODERATE = "moderate", _("Moderate")
        SEVERE = "severe", _("Severe")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="complications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    noted_at = models.DateTimeField()
    description = models.TextField(blank=True)
    actions_taken = models.TextField(blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["noted_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.severity})"
