"""A patient's observation checks as a table and as small trend charts, with the ward's limits marked.

A value outside the protocol's red-flag limits, or a finding that is a red flag (legs changed, a
haematoma, retention), is marked by a sign and words, not by colour alone. The charts are SVG
drawn here, on the server: four small panels on one time axis (systolic BP, pulse, SpO2,
temperature), each with its limits as dashed lines.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats

from procedures.models import ObservationCheck, ObservationLimit
from ward.red_flag_notice import MEASURES
from ward.time_axis import Tick, time_ticks

# About a phone's width, so that its 11 px text stays readable on one; a wider screen scales it up.
WIDTH, LEFT, RIGHT = 360, 34, 8
PANEL_HEIGHT, PANEL_GAP, AXIS_HEIGHT = 64, 16, 22
PANEL_PADDING = 12  # above each panel, room for the label of a limit at its top
# What each panel shows, and the range it always covers (widened to take any value and limit).
PANELS = [("systolic_bp", 80, 180), ("pulse", 50, 120), ("spo2", 88, 100), ("temperature", 36, 39)]
NORMAL = {
    "leg_strength": ObservationCheck.Neuro.NORMAL,
    "leg_sensation": ObservationCheck.Neuro.NORMAL,
    "bladder": ObservationCheck.Bladder.NORMAL,
}
PUNCTURE_SITE_OK = {ObservationCheck.PunctureSite.CLEAN, ObservationCheck.PunctureSite.OOZING}


@dataclass(frozen=True)
class Cell:
    text: str
    out: bool = False  # outside the ward's limits, or a red-flag finding


@dataclass
class Row:
    check: ObservationCheck
    cells: dict[str, Cell]

    @property
    def any_out(self) -> bool:
        return any(cell.out for cell in self.cells.values())


def number(value: Decimal) -> str:
    """ "38,5" in French, "100" rather than "1E+2" or "100.0"."""
    return formats.localize(value.to_integral_value() if value == value.to_integral_value() else value)


def breached(limits: list[ObservationLimit], measure: str, value) -> bool:
    return value is not None and any(limit.is_breached_by(value) for limit in limits if limit.measure == measure)


def observation_rows(checks: list[ObservationCheck], limits: list[ObservationLimit]) -> list[Row]:
    """The checks, the newest first, each value marked when it is outside the limits or a red flag."""
    rows = []
    for check in sorted(checks, key=lambda c: c.recorded_at, reverse=True):
        bp_out = breached(limits, "systolic_bp", check.systolic_bp)
        bp_out |= breached(limits, "diastolic_bp", check.diastolic_bp)
        cells = {
            "bp": Cell(f"{check.systolic_bp}/{check.diastolic_bp}", bp_out),
            **{m: Cell(formats.localize(getattr(check, m)), breached(limits, m, getattr(check, m))) for m in MEASURES},
            "leg_strength": Cell(check.get_leg_strength_display(), check.leg_strength != NORMAL["leg_strength"]),
            "leg_sensation": Cell(check.get_leg_sensation_display(), check.leg_sensation != NORMAL["leg_sensation"]),
            "puncture_site": Cell(check.get_puncture_site_display(), check.puncture_site not in PUNCTURE_SITE_OK),
            "bladder": Cell(check.get_bladder_display(), check.bladder != NORMAL["bladder"]),
            "pain": Cell(f"{check.pain.score}/10" if check.pain_id else "–"),
        }
        rows.append(Row(check, cells))
    return rows


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: str
    at: dt.datetime
    out: bool


@dataclass
class Panel:
    measure: str
    name: str
    unit: str
    top: float
    bottom: float
    low_label: str
    high_label: str
    points: list[Point]
    limits: list[tuple[float, str]] = field(default_factory=list)  # (y, label)

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


@dataclass
class TrendChart:
    panels: list[Panel]
    ticks: list[Tick]
    width: int = WIDTH
    left: int = LEFT
    right_x: int = WIDTH - RIGHT

    @property
    def height(self) -> int:
        return len(self.panels) * (PANEL_HEIGHT + PANEL_GAP) + AXIS_HEIGHT

    @property
    def axis_y(self) -> int:
        return len(self.panels) * (PANEL_HEIGHT + PANEL_GAP)


def trend_chart(checks: list[ObservationCheck], limits: list[ObservationLimit]) -> TrendChart | None:
    """Small panels of the vital signs over time, or None with fewer than two checks (no trend yet)."""
    if len(checks) < 2:
        return None
    checks = sorted(checks, key=lambda c: c.recorded_at)
    start, end = checks[0].recorded_at, checks[-1].recorded_at
    span = max((end - start).total_seconds(), 60)

    def x_of(moment: dt.datetime) -> float:
        return LEFT + (moment - start).total_seconds() / span * (WIDTH - LEFT - RIGHT)

    panels = [panel(n, measure, low, high, checks, limits, x_of) for n, (measure, low, high) in enumerate(PANELS)]
    return TrendChart(panels=panels, ticks=time_ticks(start, end, x_of))


def panel(n: int, measure: str, low, high, checks, limits, x_of) -> Panel:
    values = [Decimal(getattr(check, measure)) for check in checks]
    lines = [
        (Decimal(value), label)
        for limit in limits
        if limit.measure == measure
        for value, label in ((limit.alert_below, "<"), (limit.alert_at_or_above, "≥"))
        if value is not None
    ]
    low = min([Decimal(low), *values, *(value for value, _ in lines)])
    high = max([Decimal(high), *values, *(value for value, _ in lines)])
    top = n * (PANEL_HEIGHT + PANEL_GAP) + PANEL_PADDING
    bottom = top + PANEL_HEIGHT - PANEL_PADDING

    def y_of(value: Decimal) -> float:
        return round(float(bottom - (value - low) / (high - low) * (bottom - top)), 1)

    name, unit = MEASURES[measure]
    points = [
        Point(round(x_of(c.recorded_at), 1), y_of(v), formats.localize(getattr(c, measure)), c.recorded_at,
              breached(limits, measure, getattr(c, measure)))
        for c, v in zip(checks, values, strict=True)
    ]  # fmt: skip
    return Panel(
        measure=measure, name=str(name), unit=unit, top=top, bottom=bottom,
        low_label=number(low), high_label=number(high), points=points,
        limits=[(y_of(value), f"{sign} {number(value)}") for value, sign in lines],
    )  # fmt: skip
