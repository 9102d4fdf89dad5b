"""Phone numbers: read as people type them, stored as E.164 (+33612345678)."""

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def to_e164(raw: str, region: str | None = None) -> str:
    """Return the number in E.164 form, or raise ValidationError if it is not a valid number."""
    try:
        number = phonenumbers.parse(raw, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError("Enter a valid phone number, e.g. +33 6 12 34 56 78.", code="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError("Enter a valid phone number, e.g. +33 6 12 34 56 78.", code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# How long a number may be as people write it: "+33 6 12 34 56 78", the form our own message gives as an
# example, is 17 characters, over the 16 the E.164 form it is stored in needs at most.
WRITTEN_MAX_LENGTH = 32


class PhoneNumberField(models.CharField):
    """A CharField that cleans any written form of a number into E.164; blank stays blank."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 16)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        # The form reads the number as written; the model's max_length is checked on its E.164 form.
        return super().formfield(**{"max_length": WRITTEN_MAX_LENGTH, **kwargs})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        return to_e164(value)
