import datetime as dt
import zoneinfo

import pytest

from notifications.quiet_hours import release_at

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def paris(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.mark.parametrize(
    ("due", "released"),
    [
        ("2026-02-10T10:00", "2026-02-10T10:00"),  # daytime: sent when due
        ("2026-02-10T20:59", "2026-02-10T20:59"),
        ("2026-02-10T21:00", "2026-02-11T08:00"),  # evening: next morning
        ("2026-02-10T23:59", "2026-02-11T08:00"),
        ("2026-02-11T00:00", "2026-02-11T08:00"),  # after midnight: the same morning
        ("2026-02-11T07:59", "2026-02-11T08:00"),
        ("2026-02-11T08:00", "2026-02-11T08:00"),
        ("2026-02-28T22:00", "2026-03-01T08:00"),  # across the end of the month
    ],
)
def test_a_message_due_at_night_waits_for_8_in_the_morning(due, released):
    assert release_at(paris(due), PARIS) == paris(released)


def test_the_night_the_clocks_go_back_the_morning_is_still_8_local():
    # 25 October 2026: 22:00 CEST (20:00 UTC) waits until 08:00 CET (07:00 UTC), ten real hours later.
    released = release_at(dt.datetime(2026, 10, 24, 20, 0, tzinfo=dt.UTC), PARIS)

    assert released == dt.datetime(2026, 10, 25, 7, 0, tzinfo=dt.UTC)
    assert released.astimezone(PARIS).hour == 8


def test_the_night_the_clocks_go_forward_the_morning_is_still_8_local():
    released = release_at(dt.datetime(2026, 3, 28, 21, 0, tzinfo=dt.UTC), PARIS)

    assert released == dt.datetime(2026, 3, 29, 6, 0, tzinfo=dt.UTC)


def test_a_ward_can_set_its_own_hours():
    due = paris("2026-02-10T20:30")

    assert release_at(due, PARIS, start=dt.time(20, 0), end=dt.time(9, 30)) == paris("2026-02-11T09:30")
