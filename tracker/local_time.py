"""How every page and message writes a time in the ward's zone: the one source of these formats.

Months are written so no two can be confused in any language: "12 Feb" in English, "12 fév." and
"12 juil." in French (Django's three-letter French months make June and July both "Jui"). The format
strings are in the translation catalogue, so each language chooses its own. A date in another year
than the current one (in the ward's zone) carries its year: a review a year on is not next week.
"""

import datetime as dt
import zoneinfo

from django.utils import formats
from django.utils.translation import pgettext


def in_zone(moment: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """`moment` in `zone`, or in UTC when the zone's calendar cannot hold it (a year-1 time west of
    Greenwich, 31 December 9999 east of it): a record written before the time rules still shows."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment.astimezone(dt.UTC)


def short_day(day: dt.date, today: dt.date) -> str:
    """ "12 Feb", or "12 Feb 2027" in another year than `today`'s."""
    if day.year == today.year:
        return formats.date_format(day, pgettext("date format: day and month", "j M"))
    return formats.date_format(day, pgettext("date format: day, month and year", "j M Y"))


def clock(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "14:10" in `zone`."""
    return f"{in_zone(moment, zone):%H:%M}"


def day_and_time(moment: dt.datetime, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> str:
    """ "14:10" today, "12 Feb 14:10" another day this year, "12 Feb 2027 10:00" in another year."""
    local, today = in_zone(moment, zone), in_zone(now, zone).date()
    if local.date() == today:
        return clock(local, zone)
    return f"{short_day(local.date(), today)} {clock(local, zone)}"


def stamp(moment: dt.datetime, zone: dt.tzinfo) -> str:
    """ "2026-02-10 14:10 CET": the full time in `zone`, with its abbreviation, for records, the admin and
    refusals, where it must read the same in every language and leave no doubt."""
    return f"{in_zone(moment, zone):%Y-%m-%d %H:%M %Z}"


def long_day_and_time(moment: dt.datetime, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> str:
    """ "Tuesday 10 February, 10:00", with the year when it is not this year's: for patients."""
    local, today = in_zone(moment, zone), in_zone(now, zone).date()
    if local.year == today.year:
        day = formats.date_format(local, pgettext("date format: weekday, day and month", "l j F"))
    else:
        day = formats.date_format(local, pgettext("date format: weekday, day, month and year", "l j F Y"))
    return f"{day}, {clock(local, zone)}"
