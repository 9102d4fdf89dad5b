"""The rows of the ward board: one per active procedure, sorted by what needs action first.

Everything is read in a fixed number of queries (procedures with their patients, their events,
their milestones with steps), whatever the number of patients, and judged against one `now`.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch

from notifications.models import Reminder
from procedures.models import Event, EventKind, Milestone, Procedure, Staff, Ward
from procedures.timeline import SEQUENCE, UNDO_WINDOW

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


@dataclass
class BoardRow:
    procedure: Procedure
    now: dt.datetime
    events: dict[str, Event]
    milestones: list[Milestone]  # ordered by due time
    # The procedure's staff reminders that want attention: sent and not acknowledged, or failed.
    reminders: list = field(default_factory=list)

    @property
    def patient(self):
        return self.procedure.patient

    @cached_property
    def statuses(self) -> dict[int, str]:
        return {m.pk: m.status_at(self.now) for m in self.milestones}

    def _with_status(self, *statuses: str) -> list[Milestone]:
        return [m for m in self.milestones if self.statuses[m.pk] in statuses]

    @cached_property
    def overdue(self) -> list[Milestone]:
        return sorted(self._with_status(Milestone.Status.OVERDUE), key=lambda m: m.overdue_at)

    @cached_property
    def due(self) -> list[Milestone]:
        return self._with_status(Milestone.Status.DUE)

    @cached_property
    def to_do(self) -> list[Milestone]:
        """Milestones that can be completed now, the most pressing first."""
        return self.overdue + self.due

    @cached_property
    def next_milestone(self) -> Milestone | None:
        """The milestone the row is about: the most pressing one, or else the next to come."""
        if self.to_do:
            return self.to_do[0]
        upcoming = self._with_status(Milestone.Status.PENDING)
        return min(upcoming, key=lambda m: m.window_opens_at, default=None)

    def status_of(self, milestone: Milestone) -> str:
        return self.statuses[milestone.pk]

    @property
    def next_status(self) -> str | None:
        return self.next_milestone and self.status_of(self.next_milestone)

    @property
    def cement_at(self) -> dt.datetime | None:
        event = self.events.get(EventKind.CEMENT_INJECTED)
        return event and event.at

    @cached_property
    def may_stand(self) -> Milestone | None:
        return next((m for m in self.milestones if m.step.code == MAY_STAND and m.cancelled_at is None), None)

    @property
    def consolidation_percent(self) -> int | None:
        if not (self.cement_at and self.may_stand):
            return None
        total = (self.may_stand.due_at - self.cement_at).total_seconds()
        elapsed = (self.now - self.cement_at).total_seconds()
        if total <= 0 or self.may_stand.completed_at:
            return 100
        return max(0, min(100, int(100 * elapsed / total)))

    @property
    def next_event_kind(self) -> str | None:
        """The event the nurse most likely records next, offered first on the row."""
        done = [SEQUENCE.index(kind) for kind in self.events if kind in SEQUENCE]
        following = max(done, default=-1) + 1
        return SEQUENCE[following] if following < len(SEQUENCE) else None

    @property
    def next_event_label(self) -> str:
        return self.next_event_kind and EventKind(self.next_event_kind).label

    @property
    def red_flags(self) -> list:
        return [r for r in self.reminders if r.kind == Reminder.Kind.ALERT]

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
        if self.red_flags:
            when = self.red_flags[0].due_at
        elif milestone is None:
            when = self.procedure.scheduled_at
        elif self.urgency == Urgency.OVERDUE:
            when = milestone.overdue_at
        elif self.urgency == Urgency.DUE:
            when = milestone.due_at
        else:
            when = milestone.window_opens_at
        return (self.urgency, when, bed_key(self.patient.bed))


def bed_key(bed: str) -> tuple:
    """Sort beds as people read them: 2 before 10, "" last."""
    parts = re.split(r"(\d+)", bed)
    return (not bed, [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts if part])


def board_rows(*, ward: Ward, user: Staff, now: dt.datetime) -> list[BoardRow]:
    """Return the rows of `ward`'s board as `user` may see them, the most pressing first."""
    procedures = (
        Procedure.objects.visible_to(user)
        .active()
        .filter(patient__ward=ward)
        .select_related("patient")
        .prefetch_related(
            "events",
            Prefetch("milestones", queryset=Milestone.objects.select_related("step").order_by("due_at", "step__order")),
            Prefetch("reminders", queryset=Reminder.objects.needing_attention(), to_attr="attention"),
        )
    )
    rows = [
        BoardRow(
            procedure=procedure,
            now=now,
            events={event.kind: event for event in procedure.events.all()},
            milestones=list(procedure.milestones.all()),
            reminders=procedure.attention,
        )
        for procedure in procedures
    ]
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
