"""Protocol durations written as people write them: "12 h", "30 min", "2 days", "1 month".

The admin reads and writes a step's timing this way instead of Python's `1 day, 0:00:00`. Months
are calendar months (ProtocolStep.offset_months), everything else elapsed time.
"""

import datetime as dt
import re

from django.core.exceptions import ValidationError

# Unit words in English and French, singular, plural and short, to their size.
MONTH = "month"
UNITS = {
    MONTH: ["months", "month", "mo", "mois"],
    "weeks": ["weeks", "week", "wk", "w", "semaines", "semaine", "sem"],
    "days": ["days", "day", "d", "jours", "jour", "j"],
    "hours": ["hours", "hour", "hrs", "hr", "h", "heures", "heure"],
    "minutes": ["minutes", "minute", "mins", "min", "m"],
    "seconds": ["seconds", "second", "secs", "sec", "s", "secondes", "seconde"],
}
UNIT_OF = {word: unit for unit, words in UNITS.items() for word in words}
PART = re.compile(r"(\d+)\s*(" + "|".join(sorted(UNIT_OF, key=len, reverse=True)) + r")\b\.?")
SEPARATORS = re.compile(r"^[\s,;+]*(?:and|et)?[\s,;+]*$")


def parse_duration(text: str) -> tuple[int, dt.timedelta]:
    """Read "1 month", "12 h", "1 h 30 min", "2 days, 4 h" or "0" into (months, elapsed time).

    Raise ValidationError naming what could not be read."""
    text = text.strip().lower()
    if text in ("0", ""):
        return 0, dt.timedelta(0)
    months, parts, end = 0, {}, 0
    for match in PART.finditer(text):
        if not SEPARATORS.match(text[end : match.start()]):
            break
        unit = UNIT_OF[match.group(2)]
        if unit == MONTH:
            months += int(match.group(1))
        else:
            parts[unit] = parts.get(unit, 0) + int(match.group(1))
        end = match.end()
    if end == 0 or text[end:].strip(" ,;."):
        raise ValidationError(
            "Write a duration such as “12 h”, “30 min”, “2 days” or “1 month” (not “%(text)s”).",
            code="invalid_duration",
            params={"text": text},
        )
    return months, dt.timedelta(**parts)


def duration_text(delta: dt.timedelta | None, months: int = 0) -> str:
    """Write (months, elapsed time) as "1 month", "12 days", "1 h 30 min", "45 s"; zero as "0 min"."""
    if delta is None:
        return ""
    words = [plural(months, "month", "months")] if months else []
    days, seconds = delta.days, delta.seconds
    if days:
        words.append(plural(days, "day", "days"))
    if seconds // 3600:
        words.append(f"{seconds // 3600} h")
    if seconds % 3600 // 60:
        words.append(f"{seconds % 3600 // 60} min")
    if seconds % 60:
        words.append(f"{seconds % 60} s")
    return " ".join(words) or "0 min"


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
