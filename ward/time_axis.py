"""Clock-time ticks for the small charts of the patient page (pain, observations)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tracker.local_time import in_zone
from ward.templatetags.ward_time import TimeWriter

# Tick spacings to choose from, the smallest that leaves at most MAX_TICKS ticks on the axis.
STEPS = [
    dt.timedelta(minutes=15),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=1),
    dt.timedelta(hours=2),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
    dt.timedelta(days=1),
    dt.timedelta(days=2),
    dt.timedelta(days=7),
    dt.timedelta(days=30),
]
# The charts are 360 units wide: four "12 Feb 14:00" labels (about 70 units each) never touch.
MAX_TICKS = 4


# A label centred on a tick this close (in chart units) to either end of the axis would be cut off by the
# chart's edge: it is written from the tick inwards instead.
EDGE = 24


@dataclass(frozen=True)
class Tick:
    x: float
    label: str
    anchor: str = "middle"  # the SVG text-anchor of its label


def time_ticks(start: dt.datetime, end: dt.datetime, x_of) -> list[Tick]:
    """Ticks on whole local quarter hours, hours or days between `start` and `end`, labelled in ward time."""
    span = max(end - start, dt.timedelta(minutes=1))
    step = next((step for step in STEPS if span / step <= MAX_TICKS), STEPS[-1])
    zone = timezone.get_current_timezone()
    local = in_zone(start, zone)
    if step >= dt.timedelta(days=1):
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        minutes = int(step.total_seconds() // 60)
        since_midnight = local.hour * 60 + local.minute
        first = local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(
            minutes=since_midnight - since_midnight % minutes
        )
    writer = TimeWriter()
    left, right = x_of(start), x_of(end)
    ticks, moment = [], first
    while moment <= end:
        if moment >= start:
            label = writer.time(moment) if step < dt.timedelta(days=1) else writer.time(moment).rsplit(" ", 1)[0]
            x = x_of(moment)
            anchor = "end" if right - x < EDGE else "start" if x - left < EDGE else "middle"
            ticks.append(Tick(round(x, 1), label, anchor))
        # Steps are added to the local wall time, so that ticks stay on whole hours across a change of the clocks.
        moment = (moment.replace(tzinfo=None) + step).replace(tzinfo=zone)
    return ticks
