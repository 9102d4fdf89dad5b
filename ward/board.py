"""The rows of the ward board: one per active procedure, sorted by what needs action first.

Everything is read in a fixed number of queries (procedures with their patients, cement and
may-stand times, the milestones each row is about, their reminders wanting attention),
whatever the number of patients, and judged against one `now`. A ward of 300 patients is a page of
300 rows refreshed every few seconds, so the rows are plain values, not model instances, and only
what a row shows is read: of the open milestones, only the one each row is about, with how many
are overdue and due (a window query, on PostgreSQL and SQLite). ward/board_html.py writes the rows.
"""

import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.functions import RowNumber

from notifications.models import Reminder
from procedures.languages import in_language
from procedures.models import Event, EventKind, Milestone, Procedure, Staff, Ward
from procedures.timeline import UNDO_WINDOW

# The protocol step whose due time ends consolidation; the progress bar runs from the cement
# injection to it, so a site that lets patients up after 6 hours sees its own 6 hours.
MAY_STAND = "may_stand"


class Urgency:
    """Sort order of the rows: lower comes first."""

    RED_FLAG = 0
    OVERDUE = 1
    DUE = 2
    UPCOMING = 3
    NOTHING_PLANNED = 4


@dataclass(slots=True)
class BoardPatient:
    pk: int
    bed: str
    family_name: str
    given_name: str
    mrn: str


@dataclass(slots=True)
class BoardMilestone:
    """The open milestone a row is about, with its status at the board's `now`, and how many of the
    procedure's open milestones are overdue and due."""

    pk: int
    code: str
    label: str
    due_at: dt.datetime
    # When it took its status: the time it became overdue, or fell due, or its window opens.
    since: dt.datetime
    status: str
    overdue: int
    due: int


@dataclass
class BoardRow:
    pk: int  # the procedure's
    kind: str  # Procedure.Kind value
    levels: list[str]
    scheduled_at: dt.datetime
    patient: BoardPatient
    now: dt.datetime
    status: str  # Procedure.Status, which follows from the events recorded
    cement_at: dt.datetime | None
    next_milestone: BoardMilestone | None  # the most pressing open milestone, or else the next to come
    may_stand_at: dt.datetime | None = None  # when the may-stand step is due
    stood_up: bool = False  # may-stand is completed
    # The procedure's staff reminders that want attention: sent and not acknowledged, or failed.
    reminders: list[Reminder] = field(default_factory=list)

    def __post_init__(self) -> None:
        milestone = self.next_milestone
        self.overdue = milestone.overdue if milestone else 0
        self.due = milestone.due if milestone else 0
        self.to_do = self.overdue + self.due  # how many milestones can be completed now
        self.red_flags = [r for r in self.reminders if r.kind == Reminder.Kind.ALERT]
        self.next_event_kind = next_event_kind(self.status, cement_injected=self.cement_at is not None)

    @property
    def consolidation_percent(self) -> int | None:
        if not (self.cement_at and self.may_stand_at):
            return None
        total = (self.may_stand_at - self.cement_at).total_seconds()
        elapsed = (self.now - self.cement_at).total_seconds()
        if total <= 0 or self.stood_up:
            return 100
        return max(0, min(100, int(100 * elapsed / total)))

    @property
    def urgency(self) -> int:
        if self.red_flags:
            return Urgency.RED_FLAG
        if self.overdue:
            return Urgency.OVERDUE
        if self.due:
            return Urgency.DUE
        if self.next_milestone:
            return Urgency.UPCOMING
        return Urgency.NOTHING_PLANNED

    def sort_key(self) -> tuple:
        milestone = self.next_milestone
        urgency = self.urgency
        if self.red_flags:
            when = self.red_flags[0].due_at
        elif milestone is None:
            when = self.scheduled_at
        else:  # the time it became overdue, or fell due, or will open
            when = milestone.since
        return (urgency, when, bed_key(self.patient.bed))


def next_event_kind(status: str, *, cement_injected: bool) -> str | None:
    """The event the nurse most likely records next, offered first on the row: the one after the
    last recorded in SEQUENCE (started, cement injected, ended, discharged), told by the status the
    events gave the procedure (Procedure.status_after) and whether the cement went in."""
    match status:
        case Procedure.Status.SCHEDULED:
            return EventKind.STARTED
        case Procedure.Status.IN_PROGRESS:
            return EventKind.ENDED if cement_injected else EventKind.CEMENT_INJECTED
        case Procedure.Status.RECOVERING:
            return EventKind.DISCHARGED
    return None


def bed_key(bed: str) -> tuple:
    """Sort beds as people read them: 2 before 10, "" last."""
    parts = re.split(r"(\d+)", bed)
    return (not bed, [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts if part])


PROCEDURE_COLUMNS = ("pk", "kind", "levels", "scheduled_at", "status", "cement_at", "may_stand_at", "stood_up_at")
PATIENT_COLUMNS = ("patient_id", "patient__bed", "patient__family_name", "patient__given_name", "patient__mrn")
MILESTONE_COLUMNS = (
    "procedure_id",
    "pk",
    "step__code",
    "step__label",
    "due_at",
    "since",
    "status",
    "overdue",
    "due",
    "step__labels",
)


# The status of an open milestone at `now`, by the rule of Milestone.status_at, as a number that
# sorts the most pressing first.
OVERDUE, DUE, PENDING = 0, 1, 2
STATUS_OF = {OVERDUE: Milestone.Status.OVERDUE, DUE: Milestone.Status.DUE, PENDING: Milestone.Status.PENDING}


def next_milestones(procedure_ids: list[int], now: dt.datetime):
    """Per procedure, the open milestone its row is about at `now`: the first overdue (by the time
    it became overdue), else the first due (by due time), else the next whose window opens (ties
    by due time, then protocol order); with how many of its open milestones are overdue and due."""
    pending, due = Q(window_opens_at__gt=now), Q(window_opens_at__lte=now, overdue_at__gt=now)
    overdue = Q(window_opens_at__lte=now, overdue_at__lte=now)
    status = Case(When(pending, then=Value(PENDING)), When(due, then=Value(DUE)), default=Value(OVERDUE))
    since = Case(When(pending, then=F("window_opens_at")), When(due, then=F("due_at")), default=F("overdue_at"))
    per_procedure = [F("procedure_id")]
    return (
        Milestone.objects.awaited(now)
        .filter(procedure_id__in=procedure_ids)
        .annotate(status=status, since=since)
        .annotate(
            place=Window(
                RowNumber(), partition_by=per_procedure, order_by=["status", "since", "due_at", "step__order"]
            ),
            overdue=Window(Count("pk", filter=overdue), partition_by=per_procedure),
            due=Window(Count("pk", filter=due), partition_by=per_procedure),
        )
        .filter(place=1)
        .order_by()
        .values_list(*MILESTONE_COLUMNS)
    )


def board_rows(*, ward: Ward, user: Staff, now: dt.datetime) -> list[BoardRow]:
    """Return the rows of `ward`'s board as `user` may see them, the most pressing first."""
    may_stand = Milestone.objects.filter(procedure=OuterRef("pk"), step__code=MAY_STAND, cancelled_at__isnull=True)
    cement = Event.objects.filter(procedure=OuterRef("pk"), kind=EventKind.CEMENT_INJECTED)
    procedures = list(
        Procedure.objects.visible_to(user)
        .active()
        .filter(patient__ward=ward)
        .annotate(
            cement_at=Subquery(cement.values("at")[:1]),
            may_stand_at=Subquery(may_stand.values("due_at")[:1]),
            stood_up_at=Subquery(may_stand.values("completed_at")[:1]),
        )
        .order_by()
        .values_list(*PROCEDURE_COLUMNS, *PATIENT_COLUMNS)
    )
    ids = [procedure[0] for procedure in procedures]
    milestones = {}
    for procedure_id, pk, code, label, due_at, since, status, overdue, due, labels in next_milestones(ids, now):
        label = in_language(label, labels)
        milestones[procedure_id] = BoardMilestone(pk, code, label, due_at, since, STATUS_OF[status], overdue, due)
    reminders: dict[int, list[Reminder]] = {}
    for reminder in Reminder.objects.needing_attention().filter(procedure_id__in=ids):
        reminders.setdefault(reminder.procedure_id, []).append(reminder)
    rows = []
    for pk, kind, levels, scheduled_at, status, cement_at, may_stand_at, stood_up_at, *patient in procedures:
        row = BoardRow(
            pk=pk, kind=kind, levels=levels, scheduled_at=scheduled_at, patient=BoardPatient(*patient), now=now,
            status=status, cement_at=cement_at, next_milestone=milestones.get(pk), may_stand_at=may_stand_at,
            stood_up=stood_up_at is not None, reminders=reminders.get(pk, []),
        )  # fmt: skip
        rows.append(row)
    return sorted(rows, key=BoardRow.sort_key)


@dataclass
class Completion:
    milestone: Milestone
    until: dt.datetime  # the end of its undo window


@dataclass
class RecentActions:
    """What `user` just did on the ward, offered for undo or correction while UNDO_WINDOW lasts."""

    completions: list[Completion]
    events: list[Event]

    def __bool__(self) -> bool:
        return bool(self.completions or self.events)


# Enough for a nurse's last few taps; a longer list would push the board itself off the screen.
RECENT_LIMIT = 5


def recent_actions(*, ward: Ward, user: Staff, now: dt.datetime) -> RecentActions:
    since = now - UNDO_WINDOW
    completions = Milestone.objects.filter(
        completed_by=user, completed_at__gte=since, procedure__patient__ward=ward
    ).select_related("step", "procedure__patient")
    events = Event.objects.filter(
        recorded_by=user, recorded_at__gte=since, procedure__patient__ward=ward
    ).select_related("procedure__patient")
    return RecentActions(
        completions=[
            Completion(m, m.completed_at + UNDO_WINDOW) for m in completions.order_by("-completed_at")[:RECENT_LIMIT]
        ],
        events=list(events.order_by("-recorded_at")[:RECENT_LIMIT]),
    )
