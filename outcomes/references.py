"""Figures from the literature, shown beside the ward's own, each with its source.

See shared/clinical/OUTCOMES.md. Values are text: some are ranges ("0.01–0.05").
"""

from django.utils.translation import gettext_noop

# The page shows the leaflet's description in its language (outcomes.views.shown); the API, as written here.
LEAFLET = gettext_noop("Patient information leaflet on vertebroplasty (the tracker's seed document)")
AREGGER = "Aregger et al., 10-year follow-up after vertebroplasty (PMC11015514)"
TROUT = "Trout et al., AJNR 2005;26:2652"

REFERENCES = [
    {"measure": "relief_rate", "value": "0.98", "low": 0.98, "high": 0.98, "source": LEAFLET},
    {"measure": "cement_leakage_rate", "value": "0.01–0.05", "low": 0.01, "high": 0.05, "source": LEAFLET},
    {"measure": "new_fracture_10y_rate", "value": "0.53", "low": 0.53, "high": 0.53, "source": AREGGER},
    {"measure": "mortality_10y_rate", "value": "0.66", "low": 0.66, "high": 0.66, "source": AREGGER},
    {"measure": "rdq_change_1w_points", "value": "-7.0", "low": -7.0, "high": -7.0, "source": TROUT},
]


def reference(measure: str) -> dict | None:
    return next((ref for ref in REFERENCES if ref["measure"] == measure), None)


def public(ref: dict) -> dict:
    """The API's shape: measure, value and source."""
    return {key: ref[key] for key in ("measure", "value", "source")}
