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
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

from django.conf import settings

from outcomes.results import TIMEPOINTS, Period, counted, milestones_of, minutes_to_stand
from procedures.models import Complication

LINES_A_CHUNK = 200
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
    return pseudonyms()(procedure_id)


def pseudonyms() -> Callable[[int], str]:
    """pseudonym() for many ids: the keyed hash is prepared once and copied for each (the same digests)."""
    keyed = hmac.new(settings.SECRET_KEY.encode(), b"outcomes-export:", hashlib.sha256)

    def of(procedure_id: int) -> str:
        digest = keyed.copy()
        digest.update(str(procedure_id).encode())
        return digest.hexdigest()[:16]

    return of


def age_band(birth_date: dt.date, on: dt.date) -> str:
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age >= 90:
        return "90+"
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def export_rows(period: Period) -> Iterator[dict]:
    """The rows, one per procedure by id, read in three queries whatever the number of procedures."""
    scope = counted(period).values("pk")
    stood = dict(
        milestones_of(period)
        .filter(step__code="may_stand", completed_at__isnull=False)
        .values_list("procedure_id", minutes_to_stand())
        .order_by()
    )
    complications: dict[int, list[str]] = {}
    for procedure, kind in (
        Complication.objects.filter(procedure__in=scope).order_by("noted_at", "id").values_list("procedure_id", "kind")
    ):
        complications.setdefault(procedure, []).append(kind)
    pains = [f"pain_summary__{timepoint}" for timepoint in TIMEPOINTS]
    procedures = (
        counted(period)
        .values_list("pk", "kind", "levels", "patient__birth_date", "cement__at", "pain_summary__baseline", *pains)
        .order_by("pk")
        .iterator(2000)
    )
    name = pseudonyms()
    for pk, kind, levels, birth_date, cement_at, baseline, *pain in procedures:
        yield {
            "pseudonym": name(pk),
            "age_band": age_band(birth_date, cement_at.astimezone(dt.UTC).date()),
            "kind": kind,
            "levels": " ".join(levels),
            "cement_injected_at": cement_at.astimezone(dt.UTC).isoformat(),
            "time_to_stand_minutes": round(stood[pk]) if pk in stood else "",
            "pain_baseline": "" if baseline is None else baseline,
            **{
                f"pain_{t.removeprefix('prom_')}": "" if p is None else p for t, p in zip(TIMEPOINTS, pain, strict=True)
            },
            "complications": " ".join(complications.get(pk, [])),
        }


def csv_lines(rows: Iterable[dict], chunk: int = LINES_A_CHUNK) -> Iterator[str]:
    """The CSV text, the header at once then `chunk` lines at a time, produced as the rows come (for a
    streamed download: a piece per line would cost a write and a conversion each)."""
    text = io.StringIO()
    # extrasaction="ignore" spares a check of each row's keys: export_rows makes them from COLUMNS.
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for count, row in enumerate(chain([None], rows)):
        if row is not None:
            writer.writerow(row)
        if count % chunk == 0:
            yield text.getvalue()
            text.seek(0)
            text.truncate()
    if text.tell():
        yield text.getvalue()


def as_csv(rows: Iterable[dict]) -> str:
    return "".join(csv_lines(rows))
