"""A small line chart of a procedure's pain scores (0–10) over time, with the baseline marked."""

import datetime as dt
from dataclasses import dataclass

from procedures.models import PainScore

WIDTH, HEIGHT, MARGIN = 600, 160, 30


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    score: PainScore


@dataclass(frozen=True)
class PainChart:
    points: list[Point]
    baseline_y: float | None

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def gridlines(self) -> list[tuple[int, float]]:
        return [(score, y_of(score)) for score in (0, 5, 10)]


def y_of(score: int) -> float:
    return MARGIN + (10 - score) * (HEIGHT - 2 * MARGIN) / 10


def pain_chart(scores: list[PainScore]) -> PainChart | None:
    """Return the chart of the scores after the baseline, or None when there is nothing to draw."""
    baseline = next((s for s in reversed(scores) if s.source == PainScore.Source.BASELINE), None)
    after = [s for s in scores if s.source != PainScore.Source.BASELINE]
    if not after:
        return None
    start, end = after[0].recorded_at, after[-1].recorded_at
    span = max((end - start).total_seconds(), dt.timedelta(hours=1).total_seconds())
    points = [
        Point(MARGIN + (s.recorded_at - start).total_seconds() / span * (WIDTH - 2 * MARGIN), y_of(s.score), s)
        for s in after
    ]
    return PainChart(points=points, baseline_y=y_of(baseline.score) if baseline else None)
