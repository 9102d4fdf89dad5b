"""Geometry of a procedure's timeline, drawn as SVG by ward/templates/ward/_timeline.html.

Time runs down the page, so that the drawing is as readable on a phone held upright as on a
tablet: the first 24 hours after the first event in clock time (a fixed number of pixels per
hour, whole hours marked on the left), then the weeks and months of follow-up in a compressed
tail (logarithmic in the days after the first day), past a break in the axis.

Every event and milestone keeps its label, on the right of the axis: a label that would overlap
the one above it is moved down and joined to its mark by a leader line, never left out. Long
labels wrap onto a second line.
"""

import datetime as dt
import math
import textwrap
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Procedure
from tracker.local_time import clock, in_zone
from ward.templatetags.ward_time import TimeWriter

# About the width of a phone, so that the 13 px labels are still about 12 px on one.
WIDTH = 380
AXIS_X = 100  # clock times (and "now 14:00", French "il est 14:00") on the left, marks on it
LABEL_X = 122  # labels on the right
TOP = 22
HOUR = 20  # px per hour over the first day: 24 hours are 480 px
CLOCK_SPAN = dt.timedelta(hours=24)
BREAK = 26  # the gap that marks the change of scale
TAIL_SCALE = 42  # px per doubling of the days after the first day
LINE = 16  # height of one line of label
WRAP_AT = 33  # characters: a label wider than the space right of the axis wraps
BOTTOM = 12
CLOCK_EVERY = dt.timedelta(hours=2)  # hour labels on the left; a line at every hour
NOW_CLEARANCE = 10  # px: clock labels this close to "now" give way to it


@dataclass
class Mark:
    y: float
    label: str
    at: dt.datetime
    status: str  # an event's "recorded", or a milestone's status now
    kind: str  # "event" or "milestone"
    label_y: float = 0.0
    lines: list[str] = field(default_factory=list)

    @property
    def moved(self) -> bool:
        """The label sits below its mark (the marks above took its place): draw a leader line."""
        return self.label_y - self.y > 1


@dataclass(frozen=True)
class Tick:
    y: float
    label: str
    hour: bool = True  # a whole hour of the first day; else a step of the tail (+1 week…)


@dataclass
class Drawing:
    marks: list[Mark]
    ticks: list[Tick]
    now_y: float
    now: dt.datetime
    axis_top: float
    axis_bottom: float
    break_y: float | None  # where the first day ends and the compressed tail begins
    height: float
    width: int = WIDTH
    axis_x: int = AXIS_X
    label_x: int = LABEL_X

    @property
    def events(self) -> list[Mark]:
        return [m for m in self.marks if m.kind == "event"]

    @property
    def milestones(self) -> list[Mark]:
        return [m for m in self.marks if m.kind == "milestone"]


class Scale:
    """Where a moment goes down the page: linear for CLOCK_SPAN after `origin`, logarithmic after."""

    def __init__(self, origin: dt.datetime):
        self.origin = origin
        self.day_end = TOP + HOUR * CLOCK_SPAN / dt.timedelta(hours=1)

    def y(self, moment: dt.datetime) -> float:
        elapsed = max(moment - self.origin, dt.timedelta(0))
        if elapsed <= CLOCK_SPAN:
            return round(TOP + HOUR * elapsed / dt.timedelta(hours=1), 1)
        days_after = (elapsed - CLOCK_SPAN) / dt.timedelta(days=1)
        return round(self.day_end + BREAK + TAIL_SCALE * math.log2(1 + days_after), 1)


TAIL_TICKS = [
    (dt.timedelta(days=7), _("+1 week")),
    (dt.timedelta(days=30), _("+1 month")),
    (dt.timedelta(days=91), _("+3 months")),
    (dt.timedelta(days=365), _("+1 year")),
]


def timeline_drawing(*, procedure: Procedure, now: dt.datetime) -> Drawing | None:
    """Place `procedure`'s events and milestones down the axis; None until something has happened."""
    events = list(procedure.events.all())
    if not events:
        return None
    milestones = list(procedure.milestones.all())
    origin = min(event.at for event in events)
    scale = Scale(origin)
    marks = [Mark(scale.y(e.at), e.get_kind_display(), e.at, "recorded", "event") for e in events]
    marks += [Mark(scale.y(m.due_at), m.step.label_in(), m.due_at, m.status_at(now), "milestone") for m in milestones]
    # Events before milestones at the same time: the cause reads before its consequence.
    marks.sort(key=lambda m: (m.at, m.kind != "event"))
    place_labels(marks)
    end = max([now, *(m.at for m in marks)])
    now_y = scale.y(now)
    ticks = [t for t in clock_ticks(origin, min(end, origin + CLOCK_SPAN), scale) if abs(t.y - now_y) > NOW_CLEARANCE]
    ticks += [Tick(scale.y(origin + o), str(label), hour=False) for o, label in TAIL_TICKS if origin + o <= end]
    axis_bottom = max(scale.y(end), now_y)
    lowest = max([axis_bottom, *(m.label_y + LINE * (len(m.lines) - 1) for m in marks)])
    return Drawing(
        marks=marks,
        ticks=ticks,
        now_y=now_y,
        now=now,
        axis_top=TOP,
        axis_bottom=axis_bottom,
        break_y=scale.day_end + BREAK / 2 if end - origin > CLOCK_SPAN else None,
        height=math.ceil(lowest + LINE + BOTTOM),
    )


def place_labels(marks: list[Mark]) -> None:
    """Put each label level with its mark, or just below the label above it when they would overlap."""
    writer = TimeWriter()
    next_free = -math.inf
    for mark in marks:
        mark.lines = textwrap.wrap(f"{writer.time(mark.at)} {mark.label}", WRAP_AT) or [""]
        mark.label_y = max(mark.y, next_free)
        next_free = mark.label_y + LINE * len(mark.lines)


def clock_ticks(start: dt.datetime, end: dt.datetime, scale: Scale) -> list[Tick]:
    """A tick at each whole hour of ward time, labelled every CLOCK_EVERY, with the date at midnight."""
    zone = timezone.get_current_timezone()
    writer = TimeWriter()
    local = in_zone(start, zone)
    # In UTC, so that adding an hour adds an elapsed hour (aware arithmetic in one zone is wall-clock).
    moment = (local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)).astimezone(dt.UTC)
    ticks = []
    while moment <= end:
        local = in_zone(moment, zone)
        if local.hour == 0:
            label = writer.time(moment).rsplit(" ", 1)[0] if local.date() != writer.today else "00:00"
        elif local.hour % (CLOCK_EVERY // dt.timedelta(hours=1)) == 0:
            label = clock(moment, zone)
        else:
            label = ""
        ticks.append(Tick(scale.y(moment), label))
        moment += dt.timedelta(hours=1)  # elapsed hours: across a change of the clocks, a label repeats or skips
    return ticks
