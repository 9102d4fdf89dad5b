"""Which recorded facts are red flags. Pure rules: they read values and return flags, nothing more.

A flag's summary is read by staff on the ward board and in alerts; it names no patient.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils import translation

from procedures.models import Complication, ObservationCheck, ObservationLimit, PainScore


class RedFlagKind(models.TextChoices):
    CEMENT_LEAKAGE = "cement_leakage", "Cement leakage"
    NEURO_DEFICIT = "neuro_deficit", "New neurological deficit"
    CHEST_SYMPTOMS = "chest_symptoms", "Chest pain or breathlessness"
    INFECTION = "infection", "Fever or wound infection"
    HAEMATOMA = "haematoma", "Haematoma"
    NEW_FRACTURE = "new_fracture", "New fracture"
    OTHER = "other", "Other complication"
    VITAL_SIGNS = "vital_signs", "Vital signs out of range"
    PAIN_ABOVE_BASELINE = "pain_above_baseline", "Pain above baseline"
    PAIN_NOT_IMPROVING = "pain_not_improving", "Pain not improving: doctor's review"
    PATIENT_REPORTED = "patient_reported", "Red flag reported by the patient"


@dataclass(frozen=True)
class RedFlag:
    kind: str
    summary: str


def complication_flag(complication: Complication) -> RedFlag:
    """Every complication reported by staff is a red flag of its own kind."""
    with translation.override("en"):  # summaries are stored, and staff texts are in English
        return RedFlag(complication.kind, f"{complication.get_kind_display()} ({complication.severity})")


def observation_flags(check: ObservationCheck, limits: list[ObservationLimit]) -> list[RedFlag]:
    with translation.override("en"):  # summaries are stored, and staff texts are in English
        return english_observation_flags(check, limits)


def english_observation_flags(check: ObservationCheck, limits: list[ObservationLimit]) -> list[RedFlag]:
    flags = []
    breached = [limit for limit in limits if limit.is_breached_by(getattr(check, limit.measure))]
    if breached:
        values = ", ".join(f"{limit.get_measure_display()} {getattr(check, limit.measure)}" for limit in breached)
        flags.append(RedFlag(RedFlagKind.VITAL_SIGNS, values))
    if ObservationCheck.Neuro.CHANGED in (check.leg_strength, check.leg_sensation):
        flags.append(RedFlag(RedFlagKind.NEURO_DEFICIT, "Leg strength or sensation changed"))
    if check.bladder != ObservationCheck.Bladder.NORMAL:
        # Retention or incontinence after a spinal procedure can mean cement in the spinal canal.
        flags.append(RedFlag(RedFlagKind.NEURO_DEFICIT, f"Bladder: {check.get_bladder_display().lower()}"))
    if check.puncture_site in (ObservationCheck.PunctureSite.HAEMATOMA, ObservationCheck.PunctureSite.BLEEDING):
        flags.append(RedFlag(RedFlagKind.HAEMATOMA, f"Puncture site: {check.get_puncture_site_display().lower()}"))
    if check.puncture_site == ObservationCheck.PunctureSite.INFLAMED:
        flags.append(RedFlag(RedFlagKind.INFECTION, "Puncture site red, swollen or discharging"))
    return flags


def pain_flags(
    score: PainScore, *, baseline: PainScore | None, discharged_at: dt.datetime | None, review_after_days: int
) -> list[RedFlag]:
    """Pain above the baseline is urgent; pain still at the baseline days after discharge needs a review."""
    if baseline is None or score.source == PainScore.Source.BASELINE:
        return []
    if score.score > baseline.score:
        return [RedFlag(RedFlagKind.PAIN_ABOVE_BASELINE, f"Pain {score.score}/10, baseline {baseline.score}/10")]
    review_from = discharged_at and discharged_at + dt.timedelta(days=review_after_days)
    if review_from and score.recorded_at >= review_from and score.score >= baseline.score:
        return [
            RedFlag(
                RedFlagKind.PAIN_NOT_IMPROVING,
                f"Pain {score.score}/10 still at baseline {review_after_days} days after discharge",
            )
        ]
    return []
