"""Serializer fields for times (with their UTC offset, or a local clock time) and for related objects' ids."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from procedures.times import parse_time


class StrictDateTimeField(serializers.DateTimeField):
    """A time with its offset that exists (procedures.times.parse_time), returned in UTC.

    `check` is procedures.times.clinical_time (events, observations: not before 2000, not ahead of
    now) or scheduled_time (within two years of now); a refusal is a 400 naming the field.
    """

    def __init__(self, *, check=None, **kwargs):
        self.check = check
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        try:
            moment = parse_time(value)
            return self.check(moment, now=timezone.now()) if self.check else moment
        except DjangoValidationError as refused:
            raise ValidationError(refused.messages) from None


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", "example": "21:00"})
class ClockTimeField(serializers.TimeField):
    """A local clock time, "HH:MM" (a ward's quiet hours), without seconds or offset."""

    default_error_messages = {"invalid": "Give a clock time as HH:MM, e.g. 21:00."}

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class RelatedId(serializers.PrimaryKeyRelatedField):
    """A related object's id, read as a whole number before the database is asked.

    DRF's own field hands the value to the query as it came: a JSON `1e309` (infinity to Python's
    parser) broke the query with an OverflowError (a 500), and `1.5` found the object whose id is 1.
    Both are now refused with "A valid integer is required." on the field."""

    def __init__(self, **kwargs):
        kwargs.setdefault("pk_field", serializers.IntegerField())
        super().__init__(**kwargs)
