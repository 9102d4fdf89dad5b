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
from collections.abc import Iterable, Iterator
from itertools import chain, groupby
from operator import itemgetter

from django.conf import settings

from outcomes.results import TIMEPOINTS, Period, counted, milestones_of, minutes_to_stand, pain_rows
from procedures.models import Complication

COLUMNS = [
    "pseudonym",
    "age_band",
    "kind",
    "levels",
    "cement_injected_at",
    "time_to_stand_minutes",
    "pain_baseline",
    *[f"pain_{timepoint.removeprefix('prom_')}" for timepoint in TIMEPOINTS],
    "complications",
]


def pseudonym(procedure_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"outcomes-export:{procedure_id}".encode(), hashlib.sha256).hexdigest()[:16]


def age_band(birth_date: dt.date, on: dt.date) -> str:
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age >= 90:
        return "90+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def export_rows(period: Period) -> Iterator[dict]:
    """The rows, one per procedure by id, read in four queries whatever the number of procedures."""
    scope = counted(period).values("pk")
    stood = dict(
        milestones_of(scope)
        .filter(step__code="may_stand", completed_at__isnull=False)
        .values_list("procedure_id", minutes_to_stand())
    )
    complications: dict[int, list[str]] = {}
    for procedure, kind in (
        Complication.objects.filter(procedure__in=scope).order_by("noted_at", "id").values_list("procedure_id", "kind")
    ):
        complications.setdefault(procedure, []).append(kind)
    # The last answer of each group (each time point, the baseline) of each procedure: a few rows each,
    # in the same order as the procedures.
    answers = (
        pain_rows(period).filter(latest=1).values_list("pk", "baseline", "group", "pain").order_by("pk").iterator(2000)
    )
    procedures = (
        counted(period)
        .values_list("pk", "kind", "levels", "patient__birth_date", "cement__at")
        .order_by("pk")
        .iterator(2000)
    )
    for (pk, kind, levels, birth_date, cement_at), (_, rows) in zip(
        procedures, groupby(answers, key=itemgetter(0)), strict=True
    ):
        rows = list(rows)
        baseline, pains = rows[0][1], {group: pain for *_, group, pain in rows}
        yield {
            "pseudonym": pseudonym(pk),
            "age_band": age_band(birth_date, cement_at.astimezone(dt.UTC).date()),
            "kind": kind,
            "levels": " ".join(levels),
            "cement_injected_at": cement_at.astimezone(dt.UTC).isoformat(),
            "time_to_stand_minutes": round(stood[pk]) if pk in stood else "",
            "pain_baseline": "" if baseline is None else baseline,
            **{f"pain_{t.removeprefix('prom_')}": pains.get(t, "") for t in TIMEPOINTS},
            "complications": " ".join(complications.get(pk, [])),
        }


def csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """The CSV text, a header then a line per row, produced as the rows come (for a streamed download)."""
    line = io.StringIO()
    writer = csv.DictWriter(line, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in chain([None], rows):
        if row is not None:
            writer.writerow(row)
        yield line.getvalue()
        line.seek(0)
        line.truncate()


def as_csv(rows: Iterable[dict]) -> str:
    return "".join(csv_lines(rows))
