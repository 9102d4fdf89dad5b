"""A calendar file (.ics, RFC 5545) for an appointment, attached to follow-up reminders."""

import datetime as dt

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
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Recovery tracker//Follow-up//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{utc_stamp(timezone.now())}",
        f"DTSTART:{utc_stamp(starts_at)}",
        f"DTEND:{utc_stamp(starts_at + duration)}",
        f"SUMMARY:{escape(summary)}",
        *([f"DESCRIPTION:{escape(description)}"] if description else []),
        *([f"LOCATION:{escape(location)}"] if location else []),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
