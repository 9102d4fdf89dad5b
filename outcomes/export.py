"""One row per procedure for the ward's own analysis, with no name, MRN or birth date.

A procedure is named by a stable pseudonym (a keyed hash of its id: the same procedure gets the
same pseudonym in every export while the secret key stays, and nobody without the key can go back
from it to the record); age is given in ten-year bands.
"""

import csv
import datetime as dt
import hashlib
import hmac
import io

from django.conf import settings

from outcomes.results import TIMEPOINTS, Period, baseline_pains, cement_events, stand_minutes, timepoint_pains
from procedures.models import Complication, Procedure

COLUMNS = [
    "pseudonym", "age_band", "kind", "levels", "cement_injected_at", "time_to_stand_minutes", "pain_baseline",
    *[f"pain_{timepoint.removeprefix('prom_')}" for timepoint in TIMEPOINTS], "complications",
]  # fmt: skip


def pseudonym(procedure_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"outcomes-export:{procedure_id}".encode(), hashlib.sha256).hexdigest()[:16]


def age_band(birth_date: dt.date, on: dt.date) -> str:
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age >= 90:
        return "90+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def export_rows(period: Period) -> list[dict]:
    events = cement_events(period)
    scope = events.values("procedure_id")
    cement = dict(events.values_list("procedure_id", "at"))
    baselines, pains, stood = baseline_pains(scope, cement), timepoint_pains(scope), stand_minutes(scope, cement)
    complications = {}
    for procedure, kind in (
        Complication.objects.filter(procedure_id__in=scope)
        .order_by("noted_at", "id")
        .values_list("procedure_id", "kind")
    ):
        complications.setdefault(procedure, []).append(kind)
    procedures = Procedure.objects.filter(pk__in=scope).order_by("pk")
    return [
        {
            "pseudonym": pseudonym(pk),
            "age_band": age_band(birth_date, cement[pk].date()),
            "kind": kind,
            "levels": " ".join(levels),
            "cement_injected_at": cement[pk].astimezone(dt.UTC).isoformat(),
            "time_to_stand_minutes": round(stood[pk]) if pk in stood else "",
            "pain_baseline": baselines.get(pk, ""),
            **{f"pain_{t.removeprefix('prom_')}": pains.get((pk, t), "") for t in TIMEPOINTS},
            "complications": " ".join(complications.get(pk, [])),
        }
        for pk, kind, levels, birth_date in procedures.values_list("pk", "kind", "levels", "patient__birth_date")
    ]


def as_csv(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
