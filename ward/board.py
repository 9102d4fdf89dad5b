"""The rows of the ward board: one per active procedure, sorted by what needs action first, and one
per procedure discharged today or with a staff step still due (the "Discharged today" group).

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

from django.conf import settings
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Subquery, Value, When, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, NullIf, RowNumber
from django.utils import translation

from notifications.models import Reminder
from procedures.languages import ENGLISH, in_language
from procedures.models import Event, EventKind, Milestone, Procedure, ProtocolStep, Staff, Ward
from procedures.timeline import UNDO_WINDOW

# The protocol step whose due time ends consolidation; the progress bar runs from the cement
# injection to it, so a site that lets patients up after 6 hours sees its own 6 hours.
MAY_STAND = "may_stand"
# A procedure in one of these states is no longer in the ward's care.
CLOSED = [Procedure.Status.CANCELLED, Procedure.Status.DISCHARGED]


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


@dataclass(slots=True)
class BoardRedFlag:
    """An open red flag: what (its summary), since when, and how far up the chain it has gone."""

    pk: int
    procedure_id: int
    summary: str
    raised_at: dt.datetime
    status: str  # Reminder.Status: scheduled or sending while the workers have not yet delivered it
    escalate_at: dt.datetime | None  # when it goes to the next level unless acknowledged
    level: int  # 0: the ward's nurses; 1: the charge nurses; 2 and more: the doctor on call
    escalated_at: dt.datetime | None  # when it reached `level`


@dataclass(slots=True)
class BoardReminder:
    """A staff reminder that wants attention, other than a red flag: what it is about and how it stands."""

    pk: int
    kind: str  # Reminder.Kind
    status: str  # Reminder.Status: sent (to acknowledge) or failed
    label: str


@dataclass(slots=True)
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
    # The procedure's staff reminders that want attention (sent and not acknowledged, or failed),
    # red flags apart: those are in `red_flags`.
    reminders: list[BoardReminder] = field(default_factory=list)
    red_flags: list[BoardRedFlag] = field(default_factory=list)
    discharged_at: dt.datetime | None = None
    # Worked out from the values above when the row is made:
    overdue: int = field(init=False)  # how many open milestones are overdue
    due: int = field(init=False)  # how many are due
    to_do: int = field(init=False)  # how many can be completed now
    next_event_kind: str | None = field(init=False)  # the event offered first on the row

    def __post_init__(self) -> None:
        milestone = self.next_milestone
        self.overdue = milestone.overdue if milestone else 0
        self.due = milestone.due if milestone else 0
        self.to_do = self.overdue + self.due
        self.next_event_kind = next_event_kind(self.status, cement_injected=self.cement_at is not None)

    @property
    def discharged(self) -> bool:
        return self.status == Procedure.Status.DISCHARGED

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
            when = min(flag.raised_at for flag in self.red_flags)
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


PROCEDURE_COLUMNS = (
    "pk", "kind", "levels", "scheduled_at", "status", "cement_at", "may_stand_at", "stood_up", "discharged_at",
)  # fmt: skip
PATIENT_COLUMNS = ("patient_id", "patient__bed", "patient__family_name", "patient__given_name", "patient__mrn")
MILESTONE_COLUMNS = ("procedure_id", "pk", "step__code", "label", "due_at", "since", "status", "overdue", "due")


# The status of an open milestone at `now`, by the rule of Milestone.status_at, as a number that
# sorts the most pressing first.
OVERDUE, DUE, PENDING = 0, 1, 2
STATUS_OF = {OVERDUE: Milestone.Status.OVERDUE, DUE: Milestone.Status.DUE, PENDING: Milestone.Status.PENDING}


def step_label() -> Coalesce | F:
    """The step's label in the active language, read as text in SQL: no JSON to decode per row."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language == ENGLISH:
        return F("step__label")
    translated = NullIf(KeyTextTransform(language, "step__labels"), Value(""))
    return Coalesce(translated, F("step__label"), output_field=CharField())


def next_milestones(ward: Ward, discharged_ids: list[int], now: dt.datetime):
    """Per procedure on `ward`'s board (the active ones, and the discharged ones named), the open
    milestone its row is about at `now`: the first overdue (by the time it became overdue), else
    the first due (by due time), else the next whose window opens (ties by due time, then protocol
    order); with how many of its open milestones are overdue and due.

    The procedures are chosen by ward and status, not by the list of all the rows' ids: 300 ids
    cost more to compile and send than the query costs to run."""
    pending, due = Q(window_opens_at__gt=now), Q(window_opens_at__lte=now, overdue_at__gt=now)
    overdue = Q(window_opens_at__lte=now, overdue_at__lte=now)
    status = Case(When(pending, then=Value(PENDING)), When(due, then=Value(DUE)), default=Value(OVERDUE))
    since = Case(When(pending, then=F("window_opens_at")), When(due, then=F("due_at")), default=F("overdue_at"))
    per_procedure = [F("procedure_id")]
    return (
        Milestone.objects.awaited(now)
        .filter(procedure__patient__ward=ward)
        .filter(~Q(procedure__status__in=CLOSED) | Q(procedure_id__in=discharged_ids))
        .annotate(status=status, since=since, label=step_label())
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


def ward_day_start(ward: Ward, now: dt.datetime) -> dt.datetime:
    """Midnight at the start of the ward's day (in its own zone) that `now` falls in."""
    local = now.astimezone(ward.zone)
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=ward.zone)


def on_the_board(ward: Ward, now: dt.datetime) -> Q:
    """Active procedures, and the discharged ones the ward still has work for: discharged today (the
    ward's day), or later while a staff step of theirs is due or overdue (a control X-ray missed at
    discharge must not vanish with the patient); not for a step whose window has closed (missed)."""
    discharged_today = Event.objects.filter(kind=EventKind.DISCHARGED, at__gte=ward_day_start(ward, now))
    staff_step_open = Milestone.objects.awaited(now).filter(
        procedure=OuterRef("pk"),
        step__audience__in=[ProtocolStep.Audience.STAFF, ProtocolStep.Audience.STAFF_AND_PATIENT],
        window_opens_at__lte=now,
    )
    discharged = Q(status=Procedure.Status.DISCHARGED) & (
        Q(pk__in=discharged_today.values("procedure_id")) | Q(Exists(staff_step_open))
    )
    return ~Q(status__in=CLOSED) | discharged


REMINDER_COLUMNS = (
    "pk", "procedure_id", "kind", "status", "summary", "summaries", "due_at", "escalate_at", "last_level",
    "last_escalated_at", "milestone__step__label", "milestone__step__labels", "red_flag", "message_key",
)  # fmt: skip


def reminders_wanting_attention(ward: Ward) -> tuple[dict[int, list[BoardReminder]], dict[int, list[BoardRedFlag]]]:
    """The ward's staff reminders that want attention, by procedure, in one query: its open red flags
    (each with the last escalation step it reached), and the other reminders sent and not
    acknowledged, or failed (Reminder.objects.needing_attention, urgent first)."""
    last_step = Reminder.objects.filter(escalates=OuterRef("pk")).order_by("-escalation_level", "-due_at")
    others = Reminder.objects.needing_attention().exclude(kind=Reminder.Kind.ALERT)
    found = (
        (others | Reminder.objects.open_red_flags())
        .filter(procedure__patient__ward=ward)
        .annotate(
            # Only a red flag escalates through the chain read here; the others need not ask.
            last_level=Case(
                When(kind=Reminder.Kind.ALERT, then=Subquery(last_step.values("escalation_level")[:1])),
                default=Value(None),
            ),
            last_escalated_at=Case(
                When(kind=Reminder.Kind.ALERT, then=Subquery(last_step.values("due_at")[:1])), default=Value(None)
            ),
        )
        .order_by("-urgent", "due_at", "pk")
        .values_list(*REMINDER_COLUMNS)
    )
    reminders: dict[int, list[BoardReminder]] = {}
    flags: dict[int, list[BoardRedFlag]] = {}
    for (
        pk, procedure_id, kind, status, summary, summaries, due_at, escalate_at, level, escalated_at,
        step_label, step_labels, red_flag, message_key,
    ) in found:  # fmt: skip
        if kind == Reminder.Kind.ALERT:
            summary = in_language(summary, summaries)  # written in every language when raised
            flag = BoardRedFlag(pk, procedure_id, summary, due_at, status, escalate_at, level or 0, escalated_at)
            flags.setdefault(procedure_id, []).append(flag)
            continue
        # The label of Reminder.label_in: its summary, or its step's, or else its topic.
        if summary:
            label = in_language(summary, summaries)
        elif step_label is not None:
            label = in_language(step_label, step_labels)
        else:
            label = (red_flag or message_key).replace("_", " ")
        reminders.setdefault(procedure_id, []).append(BoardReminder(pk, kind, status, label))
    for procedure_flags in flags.values():  # the oldest first
        procedure_flags.sort(key=lambda flag: (flag.raised_at, flag.pk))
    return reminders, flags


def board_rows(*, ward: Ward, user: Staff, now: dt.datetime) -> list[BoardRow]:
    """Return the rows of `ward`'s board as `user` may see them, the most pressing first."""
    may_stand = Milestone.objects.filter(procedure=OuterRef("pk"), step__code=MAY_STAND, cancelled_at__isnull=True)
    cement = Event.objects.filter(procedure=OuterRef("pk"), kind=EventKind.CEMENT_INJECTED)
    discharge = Event.objects.filter(procedure=OuterRef("pk"), kind=EventKind.DISCHARGED)
    procedures = list(
        Procedure.objects.visible_to(user)
        .filter(on_the_board(ward, now), patient__ward=ward)
        .annotate(
            cement_at=Subquery(cement.values("at")[:1]),
            may_stand_at=Subquery(may_stand.values("due_at")[:1]),
            # Whether, not when: a yes or no costs less to read than a time.
            stood_up=Exists(may_stand.filter(completed_at__isnull=False)),
            discharged_at=Subquery(discharge.values("at")[:1]),
        )
        .order_by()
        .values_list(*PROCEDURE_COLUMNS, *PATIENT_COLUMNS)
    )
    discharged_ids = [procedure[0] for procedure in procedures if procedure[4] == Procedure.Status.DISCHARGED]
    milestones = {}
    for procedure_id, pk, *values, status, overdue, due in next_milestones(ward, discharged_ids, now):
        code, label, due_at, since = values
        milestones[procedure_id] = BoardMilestone(pk, code, label, due_at, since, STATUS_OF[status], overdue, due)
    # The reminders are asked for by ward, not by the list of ids: a list of 300 ids costs more to
    # compile than the query costs to run. Only those of the rows' procedures are used.
    reminders, red_flags = reminders_wanting_attention(ward)
    rows = []
    for (
        pk,
        kind,
        levels,
        scheduled_at,
        status,
        cement_at,
        may_stand_at,
        stood_up,
        discharged_at,
        *patient,
    ) in procedures:
        row = BoardRow(
            pk=pk, kind=kind, levels=levels, scheduled_at=scheduled_at, patient=BoardPatient(*patient), now=now,
            status=status, cement_at=cement_at, next_milestone=milestones.get(pk), may_stand_at=may_stand_at,
            stood_up=stood_up, reminders=reminders.get(pk, []), red_flags=red_flags.get(pk, []),
            discharged_at=discharged_at,
        )  # fmt: skip
        rows.append(row)
    return sorted(rows, key=BoardRow.sort_key)


class Show:
    """The board's filters (the `show` query parameter)."""

    ALL = "all"
    NOW = "now"  # needs me now: red flags, overdue, due
    DISCHARGED = "discharged"
    CHOICES = (ALL, NOW, DISCHARGED)


class Sort:
    """The board's orders (the `sort` query parameter)."""

    URGENCY = "urgency"
    BED = "bed"
    CHOICES = (URGENCY, BED)


@dataclass
class BoardView:
    """The rows a board shows: those in care, then the "Discharged today" group, filtered and ordered."""

    current: list[BoardRow]
    discharged: list[BoardRow]
    red_flags: list[tuple[BoardRow, BoardRedFlag]]  # every open red flag on the ward, whatever the filter

    @property
    def red_flag_count(self) -> int:
        return len(self.red_flags)


def board_view(rows: list[BoardRow], *, show: str = Show.ALL, sort: str = Sort.URGENCY) -> BoardView:
    """Split the rows (as board_rows sorts them) into groups, keep those `show` asks for, order by `sort`."""
    red_flags = sorted(((row, flag) for row in rows for flag in row.red_flags), key=lambda pair: pair[1].raised_at)
    if show == Show.NOW:
        rows = [row for row in rows if row.urgency <= Urgency.DUE]
    if sort == Sort.BED:
        # A red flag stays on top, whatever the order asked for.
        rows = sorted(rows, key=lambda row: (not row.red_flags, bed_key(row.patient.bed)))
    current = [row for row in rows if not row.discharged] if show != Show.DISCHARGED else []
    return BoardView(current, [row for row in rows if row.discharged], red_flags)


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

    @property
    def count(self) -> int:
        return len(self.completions) + len(self.events)


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
