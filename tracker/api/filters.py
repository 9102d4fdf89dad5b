"""Query parameters: a bad value is a 400 naming the parameter, never a 500."""

from rest_framework.exceptions import ValidationError


def text_param(request, name: str) -> str:
    """A query parameter as text; a NUL character (which PostgreSQL refuses) is a 400, not a 500."""
    raw = request.query_params.get(name, "")
    if "\x00" in raw:
        raise ValidationError({name: ["Null characters are not allowed."]})
    return raw.strip()


def int_param(request, name: str) -> int | None:
    raw = text_param(request, name)
    if raw in (None, ""):
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise ValidationError({name: ["A whole number is required."]})
    return int(raw)
