"""List the stored times no rule of procedures.times would accept today, for a person to correct.

Rows written before the rules (a year-1 cement injection typed through the API) still show, in
UTC when the ward's calendar cannot hold them, but their milestones and reminders are nonsense.
Exits with status 1 when it finds any, so that a deployment or a nightly job can call it.

    python manage.py find_impossible_times
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from procedures.models import Complication, Event, Milestone, ObservationCheck, PainScore, Procedure
from procedures.times import EARLIEST

# Nothing the tracker plans is a century away (the last review is a year after the procedure).
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

TIMES = [
    (Procedure, "pk", ["scheduled_at"]),
    (Event, "procedure_id", ["at"]),
    (Milestone, "procedure_id", ["due_at", "window_opens_at", "overdue_at", "completed_at"]),
    (PainScore, "procedure_id", ["recorded_at"]),
    (ObservationCheck, "procedure_id", ["recorded_at"]),
    (Complication, "procedure_id", ["noted_at"]),
]


def impossible_times() -> list[tuple[str, int, int, str, dt.datetime]]:
    """Return (model, row id, procedure id, field, value) for every stored time out of range."""
    found = []
    for model, procedure_field, fields in TIMES:
        for name in fields:
            out = Q(**{f"{name}__lt": EARLIEST}) | Q(**{f"{name}__gte": LATEST})
            for pk, procedure_id, value in model.objects.filter(out).values_list("pk", procedure_field, name):
                found.append((model._meta.label, pk, procedure_id, name, value))
    return found


class Command(BaseCommand):
    help = "List stored times before 2000 or after 2100 (written before the time rules), with their procedure."

    def handle(self, *args, **options):
        found = impossible_times()
        for label, pk, procedure_id, name, value in found:
            self.stdout.write(f"{label} {pk} (procedure {procedure_id}): {name} = {value.isoformat()}")
        if found:
            raise CommandError(f"{len(found)} stored times out of range; correct them on the ward or in the admin.")
        self.stdout.write("No stored time out of range.")
