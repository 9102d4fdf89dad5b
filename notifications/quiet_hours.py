"""Quiet hours: a non-urgent patient message due at night waits for the morning, in the patient's zone."""

import datetime as dt
import zoneinfo

from procedures.models import Ward


def is_quiet(local_time: dt.time, start: dt.time, end: dt.time) -> bool:
    if start <= end:  # quiet hours within one day, e.g. 13:00–15:00
        return start <= local_time < end
    return local_time >= start or local_time < end  # across midnight, e.g. 21:00–08:00


def release_at(
    due_at: dt.datetime,
    zone: zoneinfo.ZoneInfo,
    start: dt.time = Ward.QUIET_HOURS_START,
    end: dt.time = Ward.QUIET_HOURS_END,
) -> dt.datetime:
    """Return when a message due at `due_at` may be sent: then, or at the end of the quiet hours (UTC).

    The quiet hours are the ward's (`start`, `end`); a new ward's by default."""
    local = due_at.astimezone(zone)
    if not is_quiet(local.time(), start, end):
        return due_at
    morning = local.date() if local.time() < end else local.date() + dt.timedelta(days=1)
    # Combining the local date and clock time in the zone keeps 08:00 at 08:00 across a clock change.
    return dt.datetime.combine(morning, end, tzinfo=zone).astimezone(dt.UTC)
