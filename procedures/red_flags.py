"""Which recorded facts are red flags. Pure rules: they read values and return flags, nothing more.

A flag's summary is read by staff on the ward board and in alerts; it names no patient. It is
written in every language the tracker speaks (the English `summary`, the others in `summaries`),
because it is stored with the alert and read later by nurses in their own language.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from procedures.languages import ENGLISH, in_every_language
from procedures.models import Complication, ObservationCheck, ObservationLimit, PainScore

# Two complications are named otherwise when they head an alert: "New fracture" alone says enough,
# and "Other" alone would not say what is other.
AS_RED_FLAG = {
    Complication.Kind.NEW_FRACTURE: gettext_lazy("New fracture"),
    Complication.Kind.OTHER: gettext_lazy("Other complication"),
}
# The red flags that are no complication staff report: found in observations, pain scores and patients' words.
FOUND = [
    ("VITAL_SIGNS", ("vital_signs", gettext_lazy("Vital signs out of range"))),
    ("PAIN_ABOVE_BASELINE", ("pain_above_baseline", gettext_lazy("Pain above baseline"))),
    ("PAIN_NOT_IMPROVING", ("pain_not_improving", gettext_lazy("Pain not improving: doctor's review"))),
    ("PATIENT_REPORTED", ("patient_reported", gettext_lazy("Red flag reported by the patient"))),
]

# Every kind of complication is a red flag of the same name (complication_flag), then the red flags
# found otherwise: one list, derived from Complication.Kind, never a second copy of it.
RedFlagKind = models.TextChoices(
    "RedFlagKind",
    [(kind.name, (kind.value, AS_RED_FLAG.get(kind, kind.label))) for kind in Complication.Kind] + FOUND,
    module=__name__,
)


@dataclass(frozen=True)
class RedFlag:
    kind: str
    summary: str  # in English
    summaries: dict[str, str] = field(default_factory=dict)  # in every language, by code

    @classmethod
    def written(cls, kind: str, write) -> "RedFlag":
        """A flag whose summary `write()` writes in the active language, called once per language."""
        summaries = in_every_language(write)
        return cls(kind, summaries[ENGLISH], summaries)


def complication_flag(complication: Complication) -> RedFlag:
    """Every complication reported by staff is a red flag of its own kind."""
    return RedFlag.written(
        complication.kind, lambda: f"{complication.get_kind_display()} ({complication.get_severity_display().lower()})"
    )


def observation_flags(check: ObservationCheck, limits: list[ObservationLimit]) -> list[RedFlag]:
    flags = []
    breached = [limit for limit in limits if limit.is_breached_by(getattr(check, limit.measure))]
    if breached:
        flags.append(
            RedFlag.written(
                RedFlagKind.VITAL_SIGNS,
                lambda: ", ".join(f"{limit.label_in()} {getattr(check, limit.measure)}" for limit in breached),
            )
        )
    if ObservationCheck.Neuro.CHANGED in (check.leg_strength, check.leg_sensation):
        flags.append(RedFlag.written(RedFlagKind.NEURO_DEFICIT, lambda: _("Leg strength or sensation changed")))
    if check.bladder != ObservationCheck.Bladder.NORMAL:
        # Retention or incontinence after a spinal procedure can mean cement in the spinal canal.
        flags.append(
            RedFlag.written(
                RedFlagKind.NEURO_DEFICIT,
                lambda: _("Bladder: %(state)s") % {"state": check.get_bladder_display().lower()},
            )
        )
    if check.puncture_site in (ObservationCheck.PunctureSite.HAEMATOMA, ObservationCheck.PunctureSite.BLEEDING):
        flags.append(
            RedFlag.written(
                RedFlagKind.HAEMATOMA,
                lambda: _("Puncture site: %(state)s") % {"state": check.get_puncture_site_display().lower()},
            )
        )
    if check.puncture_site == ObservationCheck.PunctureSite.INFLAMED:
        flags.append(RedFlag.written(RedFlagKind.INFECTION, lambda: _("Puncture site red, swollen or discharging")))
    return flags


def pain_flags(
    score: PainScore, *, baseline: int | None, discharged_at: dt.datetime | None, review_after_days: int
) -> list[RedFlag]:
    """Pain above the baseline is urgent; pain still at the baseline days after discharge needs a review."""
    if baseline is None or score.source == PainScore.Source.BASELINE:
        return []
    if score.score > baseline:
        return [
            RedFlag.written(
                RedFlagKind.PAIN_ABOVE_BASELINE,
                lambda: _("Pain %(score)s/10, baseline %(baseline)s/10") % {"score": score.score, "baseline": baseline},
            )
        ]
    review_from = discharged_at and discharged_at + dt.timedelta(days=review_after_days)
    if review_from and score.recorded_at >= review_from and score.score >= baseline:
        return [
            RedFlag.written(
                RedFlagKind.PAIN_NOT_IMPROVING,
                lambda: (
                    _("Pain %(score)s/10 still at baseline %(days)s days after discharge")
                    % {"score": score.score, "days": review_after_days}
                ),
            )
        ]
    return []
