"""Durations as people write them, both ways."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from procedures.durations import duration_text, parse_duration

MIN, HOUR, DAY = dt.timedelta(minutes=1), dt.timedelta(hours=1), dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "months", "delta"),
    [
        ("12 h", 0, 12 * HOUR), ("30 min", 0, 30 * MIN), ("1 month", 1, dt.timedelta(0)), ("3 months", 3, 0 * MIN),
        ("1 h 30 min", 0, 90 * MIN), ("2 days, 4 h", 0, 2 * DAY + 4 * HOUR), ("12h", 0, 12 * HOUR),
        ("1 week", 0, 7 * DAY), ("0", 0, 0 * MIN), ("45 s", 0, dt.timedelta(seconds=45)), ("2 jours", 0, 2 * DAY),
        ("1 mois", 1, 0 * MIN), ("1 Hour and 5 minutes", 0, 65 * MIN),
    ],
)  # fmt: skip
def test_it_reads_durations_as_written(text, months, delta):
    assert parse_duration(text) == (months, delta)


@pytest.mark.parametrize("text", ["12", "twelve hours", "12 h soon", "1 day, 0:00:00", "-5 min", "h"])
def test_it_refuses_what_is_not_a_duration(text):
    with pytest.raises(ValidationError) as refused:
        parse_duration(text)
    assert "12 h" in refused.value.messages[0]


@pytest.mark.parametrize(
    ("delta", "months", "text"),
    [
        (12 * HOUR, 0, "12 h"), (30 * MIN, 0, "30 min"), (0 * MIN, 1, "1 month"), (12 * DAY, 0, "12 days"),
        (DAY, 0, "1 day"), (90 * MIN, 0, "1 h 30 min"), (0 * MIN, 0, "0 min"),
        (2 * DAY + 10 * HOUR, 3, "3 months 2 days 10 h"),
    ],
)  # fmt: skip
def test_it_writes_durations_as_people_do_and_reads_them_back(delta, months, text):
    assert duration_text(delta, months) == text
    assert parse_duration(text) == (months, delta)
