"""What a time given to the tracker must be, wherever it comes in (the API, the ward's forms, the FHIR import).

One home for the rules, so that no door lets through a time that breaks a record later:
- a real moment with its UTC offset: no 13th month, no offset of 25 hours, no leap second
  (`23:59:60`: Python's datetime cannot hold it, and a record holding it could not be shown);
- a clinical time (an event, an observation, a pain score, a complication) not before 2000 and
  not more than a few minutes ahead of the server (ward clocks differ a little; more is a typing
  mistake);
- a planned time within two years either side of now (further is a typing mistake, and a
  milestone planned months after it must still be a time that can be shown);
- a birth date from 1900 to today (else a typing mistake, and a negative age in the results' export).

Each check raises Django's ValidationError with a message; callers name the field.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tracker.local_time import stamp

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)
SCHEDULING_SPAN = dt.timedelta(days=2 * 365)
EARLIEST_BIRTH = dt.date(1900, 1, 1)

# ISO 8601 as clients send it: a date, a time to the minute, second or microsecond, an offset.
ISO_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?)(?P<offset>Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


def parse_time(raw: str) -> dt.datetime:
    """Read an ISO 8601 time with its offset (`2026-03-10T09:00:00+01:00`) and return it in UTC."""
    found = ISO_TIME.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if found is None:
        raise ValidationError(_("A time in the wrong format: give it as 2026-03-10T09:00:00+01:00."), code="invalid")
    if found["offset"] is None:
        raise ValidationError(_("Give the time with its UTC offset, e.g. 2026-03-10T09:00:00+01:00."), code="naive")
    try:
        moment = dt.datetime.fromisoformat(raw.strip())
    except ValueError:  # 2026-13-45, 23:59:60, an offset of +25:00
        raise ValidationError(
            _("%(value)s is not a time that exists.") % {"value": raw.strip()}, code="invalid"
        ) from None
    return as_utc(moment)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Return an aware `moment` in UTC; one that UTC cannot hold (year 1 at -05:00) is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(_("Give the time with its UTC offset or time zone."), code="naive")
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValidationError(
            _("This time is too far in the past or the future to be right."), code="out_of_range"
        ) from None


def clinical_time(moment: dt.datetime, *, now: dt.datetime, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    """Return `moment` in UTC if it can be when something happened to a patient; refuse it otherwise.

    `zone` (the ward's) is the one the refusal shows the time in.
    """
    moment = as_utc(moment)
    if moment < EARLIEST:
        raise ValidationError(_("A time before 1 January 2000 cannot be right."), code="too_early")
    if moment > now + FUTURE_TOLERANCE:
        shown = stamp(moment, zone)
        raise ValidationError(
            _("%(time)s is in the future; record events when they happen.") % {"time": shown}, code="future"
        )
    return moment


def scheduled_time(moment: dt.datetime, *, now: dt.datetime) -> dt.datetime:
    """Return `moment` in UTC if a procedure can be planned then: within two years either side of now."""
    moment = as_utc(moment)
    if not now - SCHEDULING_SPAN <= moment <= now + SCHEDULING_SPAN:
        raise ValidationError(_("Plan the procedure within two years of today, before or after."), code="out_of_range")
    return moment


def refuse_for(field: str, check, moment: dt.datetime, **kwargs) -> dt.datetime:
    """Run `check`; its refusal names `field` (a domain function's ValidationError dict)."""
    try:
        return check(moment, **kwargs)
    except ValidationError as refused:
        raise ValidationError({field: refused.messages}) from None


def birth_date(day: dt.date) -> None:
    """Refuse a birth date before 1900 or after today (a model field's validator)."""
    if day < EARLIEST_BIRTH:
        raise ValidationError(_("A birth date before 1900 cannot be right."), code="too_early")
    if day > (timezone.now() + dt.timedelta(days=1)).date():  # a day's margin: "today" somewhere on Earth
        raise ValidationError(_("A birth date cannot be in the future."), code="future")
