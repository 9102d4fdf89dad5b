"""The clock ticks of the patient page's small charts."""

import datetime as dt

import time_machine
from django.utils import timezone

from ward.time_axis import time_ticks

START = dt.datetime(2026, 3, 10, 14, 30, tzinfo=dt.UTC)  # 15:30 in Paris


def test_a_label_at_either_end_of_the_axis_is_written_inwards_so_that_the_chart_s_edge_does_not_cut_it():
    # 15:30 to 16:30 on an axis from x=40 to x=360: ticks at 15:30, 15:45, 16:00, 16:15 and 16:30.
    end = START + dt.timedelta(minutes=60)

    def x_of(moment):
        return 40 + 320 * (moment - START) / (end - START)

    with time_machine.travel(end, tick=False), timezone.override("Europe/Paris"):
        ticks = time_ticks(START, end, x_of)

    assert [tick.label for tick in ticks] == ["15:30", "15:45", "16:00", "16:15", "16:30"]
    assert [tick.anchor for tick in ticks] == ["start", "middle", "middle", "middle", "end"]
