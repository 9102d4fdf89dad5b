"""Server-drawn SVG charts of the ward's results: coordinates computed here, markup in the template.

No script and no library: the page prints, works without JavaScript, and every chart has its
numbers in a table below it for screen readers.
"""

from dataclasses import dataclass

WIDTH = 600
# A rate chart writes each row's label above its line, so that the labels (long ones such as "New fracture
# (treated or neighbouring level)") never crowd the dots, on a phone as on a desk.
LABEL_WIDTH = 20  # the left margin
ROW_HEIGHT = 46
PAIN_HEIGHT, PAIN_MARGIN = 220, 30


@dataclass(frozen=True)
class RateRow:
    label: str
    y: float
    x: float | None  # the rate, or None when nothing was counted
    low: float | None
    high: float | None
    text: str


@dataclass(frozen=True)
class RateChart:
    rows: list[RateRow]
    height: int
    reference: tuple[float, float] | None  # x and width: the literature's range
    ticks: list[tuple[float, str]]


def x_of_rate(value: float) -> float:
    return LABEL_WIDTH + value * (WIDTH - LABEL_WIDTH - 30)  # room for "100%" on the right


def rate_chart(rows: list[tuple[str, float | None, list | None]], reference: tuple[float, float] | None = None):
    """Dots with their 95% intervals on a 0–100% axis, one row each, and the reference range shaded."""
    drawn = []
    for index, (label, value, interval) in enumerate(rows):
        low, high = interval or (None, None)
        drawn.append(
            RateRow(
                label=label,
                y=36 + index * ROW_HEIGHT,
                x=None if value is None else x_of_rate(value),
                low=None if low is None else x_of_rate(low),
                high=None if high is None else x_of_rate(high),
                text="–" if value is None else f"{value:.0%}",
            )
        )
    # From the lowest published figure to the highest; 2 units wide at least, so that a single figure shows.
    band = reference and (x_of_rate(reference[0]), max(x_of_rate(reference[1]) - x_of_rate(reference[0]), 2))
    ticks = [(x_of_rate(t / 4), f"{t * 25}%") for t in range(5)]
    return RateChart(rows=drawn, height=46 + len(rows) * ROW_HEIGHT, reference=band, ticks=ticks)


@dataclass(frozen=True)
class PainColumn:
    label: str
    x: float
    median: float | None
    q1: float | None
    q3: float | None
    text: str


@dataclass(frozen=True)
class PainChart:
    columns: list[PainColumn]
    baseline: float | None
    ticks: list[tuple[float, int]]

    @property
    def median_line(self) -> str:
        return " ".join(f"{c.x:.1f},{c.median:.1f}" for c in self.columns if c.median is not None)


def y_of_pain(score: float) -> float:
    return PAIN_MARGIN + (10 - score) * (PAIN_HEIGHT - 2 * PAIN_MARGIN) / 10


def pain_chart(columns: list[tuple[str, float | None, float | None, float | None]], baseline: float | None):
    """Median pain (0–10) at each time point with its quartiles, and the median baseline as a line."""
    step = (WIDTH - 2 * PAIN_MARGIN - 80) / max(len(columns) - 1, 1)  # room for "12 months" on the right
    drawn = [
        PainColumn(
            label=label,
            x=PAIN_MARGIN + 40 + index * step,
            median=None if median is None else y_of_pain(median),
            q1=None if q1 is None else y_of_pain(q1),
            q3=None if q3 is None else y_of_pain(q3),
            text="–" if median is None else f"{median:g}",
        )
        for index, (label, median, q1, q3) in enumerate(columns)
    ]
    return PainChart(
        columns=drawn,
        baseline=None if baseline is None else y_of_pain(baseline),
        ticks=[(y_of_pain(score), score) for score in (0, 2, 4, 6, 8, 10)],
    )
