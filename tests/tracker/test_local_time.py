"""tracker.local_time.stamp: the full time with its zone, for records, the admin and refusals."""

import datetime as dt
import zoneinfo

from django.utils import translation

from tracker.local_time import stamp

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def test_a_stamp_names_the_zone_s_abbreviation_winter_and_summer_whatever_the_language():
    winter, summer = dt.datetime(2026, 2, 10, 13, 5, tzinfo=dt.UTC), dt.datetime(2026, 7, 3, 8, 0, tzinfo=dt.UTC)

    with translation.override("fr"):
        assert [stamp(winter, PARIS), stamp(summer, PARIS)] == ["2026-02-10 14:05 CET", "2026-07-03 10:00 CEST"]
