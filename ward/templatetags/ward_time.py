"""How the ward pages write times and durations. ward/static/ward/board.js writes the same
formats when it moves the countdowns on between two refreshes; keep the two in step."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from tracker.local_time import clock, in_zone, short_day

register = template.Library()

# Below this, countdowns show seconds too: a step due in four minutes is watched closely.
SECONDS_SHOWN_BELOW = dt.timedelta(minutes=10)


class TimeWriter:
    """Writes times and durations in the active language and the current (the ward's) zone.

    The words are looked up once, so a page that writes hundreds of times (the ward board) makes
    one writer and uses it for every row; the template tags below make one per call.
    """

    def __init__(self) -> None:
        self.units = unit_words()
        self.future = _("in %(duration)s")
        self.past = _("%(duration)s ago")
        self.zone = timezone.get_current_timezone()
        self.today = timezone.localdate()
        self.days: dict[dt.date, str] = {}
        # Each instant is converted and written once per page: the rows share many.
        self.times: dict[dt.datetime, str] = {}
        self.isos: dict[dt.datetime, str] = {}
        self.relatives: dict[tuple[dt.datetime, dt.datetime], str] = {}

    def duration(self, value: dt.timedelta) -> str:
        """Write a duration as "45 s", "4 min 05 s", "25 min", "2 h 05 min" or "3 d 4 h"."""
        seconds = int(abs(value.total_seconds()))
        minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
        units = self.units
        if seconds < 60:
            return f"{seconds} {units['s']}"
        if abs(value) < SECONDS_SHOWN_BELOW:
            return f"{minutes} {units['min']} {seconds % 60:02d} {units['s']}"
        if hours < 1:
            return f"{minutes} {units['min']}"
        if days < 1:
            return f"{hours} {units['h']} {minutes % 60:02d} {units['min']}"
        return f"{days} {units['d']} {hours % 24} {units['h']}"

    def relative(self, moment: dt.datetime, now: dt.datetime) -> str:
        """Write "in 5 min" for a time to come, "5 min ago" for a time past."""
        written = self.relatives.get((moment, now))
        if written is None:
            if moment >= now:
                written = self.future % {"duration": self.duration(moment - now)}
            else:
                written = self.past % {"duration": self.duration(now - moment)}
            self.relatives[moment, now] = written
        return written

    def iso(self, moment: dt.datetime | None) -> str:
        """The `iso` filter below, each instant written once."""
        if moment is None:
            return ""
        written = self.isos.get(moment)
        if written is None:
            written = self.isos[moment] = iso(moment)
        return written

    def since(self, moment: dt.datetime, now: dt.datetime) -> str:
        """Write the time elapsed since `moment`, such as "2 h 05 min"."""
        return self.duration(max(now - moment, dt.timedelta(0)))

    def time(self, moment: dt.datetime | None) -> str:
        """Write a time in the ward's zone: "14:10" today, "12 Feb 14:10" another day this year,
        "12 Feb 2027 10:00" in another year (a review a year on is not next week); the formats of
        tracker.local_time, with each day written once per page."""
        if moment is None:
            return ""
        written = self.times.get(moment)
        if written is None:
            local = in_zone(moment, self.zone)
            written = clock(local, self.zone)
            day = local.date()
            if day != self.today:
                if day not in self.days:  # many times on a page fall on the same few days
                    self.days[day] = short_day(day, self.today)
                written = f"{self.days[day]} {written}"
            self.times[moment] = written
        return written

    def day(self, day: dt.date | None) -> str:
        """Write a date: "12 Feb", or "12 Feb 1944" in another year."""
        return short_day(day, self.today) if day else ""


@register.filter
def duration(value: dt.timedelta) -> str:
    """Write a duration as "45 s", "4 min 05 s", "25 min", "2 h 05 min" or "3 d 4 h"."""
    return TimeWriter().duration(value)


def unit_words() -> dict[str, str]:
    return {
        "s": pgettext("unit of time", "s"),
        "min": pgettext("unit of time", "min"),
        "h": pgettext("unit of time", "h"),
        "d": pgettext("unit of time", "d"),
    }


@register.simple_tag
def relative(moment: dt.datetime, now: dt.datetime) -> str:
    """Write "in 5 min" for a time to come, "5 min ago" for a time past."""
    return TimeWriter().relative(moment, now)


@register.simple_tag
def since(moment: dt.datetime, now: dt.datetime) -> str:
    """Write the time elapsed since `moment`, such as "2 h 05 min"."""
    return TimeWriter().since(moment, now)


@register.filter
def ward_time(moment: dt.datetime | None) -> str:
    """Write a time in the current (the ward's) zone: "14:10" today, "12 Feb 14:10" another day
    this year, "12 Feb 2027 10:00" in another year (a review a year on is not next week)."""
    return TimeWriter().time(moment)


@register.filter
def ward_day(day: dt.date | None) -> str:
    """Write a date: "12 Feb" this year, "2 May 1944" another year (months no one can confuse)."""
    return TimeWriter().day(day)


@register.simple_tag
def countdown_words() -> dict[str, str]:
    """The words board.js needs to write durations in the page's language."""
    return unit_words() | {"in": _("in %(duration)s"), "ago": _("%(duration)s ago")}


@register.filter
def iso(moment: dt.datetime | None) -> str:
    """Write a time for machines (a <time datetime> or board.js), to the second, with its offset."""
    return moment.isoformat(timespec="seconds") if moment else ""
