"""The few statistics the ward's results need, written out so that each figure can be checked by hand.

Quantiles interpolate linearly between the sorted values (the "inclusive" method: the median of
1, 2, 3, 4 is 2.5; its first quartile 1.75). Rates come with Wilson score intervals, which stay
inside 0–1 and behave for small wards and rates near 0 or 1, where the usual ± interval does not.
"""

import math
from collections.abc import Sequence

Z_95 = 1.959963984540054  # the standard normal quantile for a two-sided 95% interval


def quantile(values: Sequence[float], fraction: float) -> float | None:
    """The value below which `fraction` of the values lie (0.5: the median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def rate(count: int, total: int) -> float | None:
    return count / total if total else None


def wilson_interval(count: int, total: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of count/total; None when there is nothing to count."""
    if not total:
        return None
    p = count / total
    scale = 1 + z * z / total
    centre = (p + z * z / (2 * total)) / scale
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / scale
    return max(0.0, centre - half), min(1.0, centre + half)


def rounded(value: float | None, digits: int = 3) -> float | int | None:
    """Round for display; to 0 digits, a whole number (735 minutes, not 735.0)."""
    if value is None:
        return None
    return round(value) if digits == 0 else round(value, digits)
