"""A small line chart of a procedure's pain scores (0–10) over clock time, with the baseline and the
alert threshold marked: a score above the baseline raises a red flag (procedures.red_flags)."""

import datetime as dt
from dataclasses import dataclass

from procedures.baseline import BaselinePain
from procedures.models import PainScore
from ward.time_axis import Tick, time_ticks

# About a phone's width, so that its 11 px text stays readable on one; a wider screen scales it up.
WIDTH, HEIGHT, MARGIN, AXIS_HEIGHT = 360, 180, 30, 20
LEFT, RIGHT = 24, 348


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    score: PainScore
    above_baseline: bool


@dataclass(frozen=True)
class PainChart:
    points: list[Point]
    baseline: BaselinePain | None
    ticks: list[Tick]
    left: int = LEFT
    right: int = RIGHT
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        return [(score, y_of(score)) for score in (0, 5, 10)]

    @property
    def baseline_y(self) -> float | None:
        return y_of(self.baseline.score) if self.baseline else None

    @property
    def alert_from(self) -> int | None:
        """The lowest score that raises a red flag: one above the baseline."""
        return self.baseline.score + 1 if self.baseline and self.baseline.score < 10 else None

    @property
    def alert_y(self) -> float | None:
        return y_of(self.alert_from) if self.alert_from is not None else None

    @property
    def top_y(self) -> float:
        return y_of(10)

    @property
    def plot_width(self) -> int:
        return self.right - self.left

    @property
    def alert_zone_height(self) -> float | None:
        """The band of scores that raise a red flag, from the threshold up to 10."""
        return self.alert_y - self.top_y if self.alert_y is not None else None

    @property
    def axis_y(self) -> float:
        return HEIGHT - AXIS_HEIGHT


def y_of(score: int) -> float:
    return MARGIN / 2 + (10 - score) * (HEIGHT - AXIS_HEIGHT - MARGIN) / 10


def pain_chart(scores: list[PainScore], baseline: BaselinePain | None) -> PainChart | None:
    """The chart of the scores after the baseline (procedures.baseline), or None when there is nothing to draw."""
    after = [s for s in scores if s.source != PainScore.Source.BASELINE]
    if not after:
        return None
    start, end = after[0].recorded_at, after[-1].recorded_at
    span = max((end - start).total_seconds(), dt.timedelta(hours=1).total_seconds())

    def x_of(moment: dt.datetime) -> float:
        return LEFT + (moment - start).total_seconds() / span * (RIGHT - LEFT)

    points = [
        Point(round(x_of(s.recorded_at), 1), y_of(s.score), s, bool(baseline and s.score > baseline.score))
        for s in after
    ]
    ticks = time_ticks(start, start + dt.timedelta(seconds=span), x_of)
    return PainChart(points=points, baseline=baseline, ticks=ticks)
