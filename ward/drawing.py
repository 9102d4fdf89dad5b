"""Geometry of a procedure's timeline, drawn as SVG by ward/templates/ward/_timeline.html.

The axis is logarithmic in the time elapsed since the first event: the cement sets in minutes,
the observations run over two hours, the patient stands at 12 hours and the last review is a
year later, and a linear axis would crush all of the ward's work into its first pixel.
"""

import datetime as dt
import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from procedures.models import Milestone, Procedure

WIDTH, HEIGHT = 960, 360
LEFT, RIGHT = 20, 160  # the right margin leaves room for the last slanted label
AXIS_Y = 160
# Labels are slanted so that marks minutes apart can each keep theirs; steeper needs more height.
LABEL_ANGLE = 50
# Elapsed time is drawn as log(1 + t / UNIT): below UNIT the axis is almost linear.
UNIT = dt.timedelta(minutes=5)
# Labels closer than this (px) to the previous one are left out (at LABEL_ANGLE, two 11 px
# lines this far apart do not touch); the mark keeps its tooltip and the tables list everything.
LABEL_GAP = 17
# The "now" label sits on the row of tick labels; ticks this close to it (px) give way.
NOW_LABEL_HALF_WIDTH = 40

TICKS = [
    (dt.timedelta(minutes=10), _("+10 min")),
    (dt.timedelta(hours=1), _("+1 h")),
    (dt.timedelta(hours=12), _("+12 h")),
    (dt.timedelta(days=7), _("+1 week")),
    (dt.timedelta(days=30), _("+1 month")),
    (dt.timedelta(days=91), _("+3 months")),
    (dt.timedelta(days=365), _("+1 year")),
]


@dataclass
class Mark:
    x: float
    label: str
    at: dt.datetime
    status: str  # an event's "recorded", or a milestone's status now
    show_label: bool = True


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Drawing:
    events: list[Mark]
    milestones: list[Mark]
    ticks: list[Tick]
    now_x: float
    now: dt.datetime
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    axis_y: int = AXIS_Y
    label_angle: int = LABEL_ANGLE

    @property
    def axis_end(self) -> int:
        return self.width - RIGHT


def timeline_drawing(*, procedure: Procedure, now: dt.datetime) -> Drawing | None:
    """Place `procedure`'s events and milestones on the axis; None until something has happened."""
    events = list(procedure.events.all())
    if not events:
        return None
    milestones = list(procedure.milestones.all())
    origin = min(event.at for event in events)
    end = max([now, *(event.at for event in events), *(m.due_at for m in milestones)])
    # At least an hour wide, so that a procedure only just started is not drawn on a zero-width axis.
    span = log_elapsed(max(end - origin, dt.timedelta(hours=1)))

    def x(moment: dt.datetime) -> float:
        return round(LEFT + (WIDTH - LEFT - RIGHT) * log_elapsed(moment - origin) / span, 1)

    event_marks = [Mark(x(e.at), e.get_kind_display(), e.at, "recorded") for e in sorted(events, key=lambda e: e.at)]
    milestone_marks = [
        Mark(x(m.due_at), m.step.label_in(), m.due_at, m.status_at(now))
        for m in sorted(milestones, key=lambda m: m.due_at)
    ]
    for marks in (event_marks, milestone_marks):
        thin_out_labels(marks)
    now_x = x(now)
    ticks = [Tick(x(origin + offset), label) for offset, label in TICKS if origin + offset <= end]
    ticks = [tick for tick in ticks if abs(tick.x - now_x) > NOW_LABEL_HALF_WIDTH]
    return Drawing(events=event_marks, milestones=milestone_marks, ticks=ticks, now_x=now_x, now=now)


def log_elapsed(elapsed: dt.timedelta) -> float:
    return math.log1p(max(elapsed, dt.timedelta(0)) / UNIT)


def thin_out_labels(marks: list[Mark]) -> None:
    """Hide labels that would overlap the previous one; the most pressing mark keeps its label."""
    last_x = -math.inf
    for mark in marks:
        mark.show_label = mark.x - last_x >= LABEL_GAP or mark.status == Milestone.Status.OVERDUE
        if mark.show_label:
            last_x = mark.x
