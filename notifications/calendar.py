"""A calendar file (.ics, RFC 5545) for an appointment, attached to follow-up reminders."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets, as RFC 5545 section 3.1 requires."""
    encoded, parts = line.encode(), []
    while len(encoded) > 75:
        cut = 75 if not parts else 74
        while cut and (encoded[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(encoded[:cut].decode())
        encoded = encoded[cut:]
    parts.append(encoded.decode())
    return "\r\n ".join(parts)


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def appointment_ics(
    *, uid: str, starts_at: dt.datetime, duration: dt.timedelta, summary: str, description: str = "", location: str = ""
) -> str:
    event = Appointment(uid, starts_at, duration, summary, description, location)
    return calendar_file([event])


@dataclass(frozen=True)
class Appointment:
    uid: str
    starts_at: dt.datetime
    duration: dt.timedelta
    summary: str
    description: str = ""
    location: str = ""


def calendar_file(appointments: list[Appointment]) -> str:
    """A calendar of one event per appointment, in UTC (every calendar shows it in its own zone)."""
    stamp = utc_stamp(timezone.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Recovery tracker//Follow-up//EN", "METHOD:PUBLISH"]
    for event in appointments:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{utc_stamp(event.starts_at)}",
            f"DTEND:{utc_stamp(event.starts_at + event.duration)}",
            f"SUMMARY:{escape(event.summary)}",
            *([f"DESCRIPTION:{escape(event.description)}"] if event.description else []),
            *([f"LOCATION:{escape(event.location)}"] if event.location else []),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
