"""Which procedures a results request is about: the ward, the period, the kind of procedure."""

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import serializers

from outcomes.results import Period
from procedures.models import Procedure, Ward

DEFAULT_DAYS = 365
# Days a period may name: none of this tracker's data is older, and the arithmetic of the bounds stays in range.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(9000, 12, 31)


def within_bounds(day: dt.date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise serializers.ValidationError(
            _("Give a day from %(first)s to %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}
        )


class PeriodInput(serializers.Serializer):
    """Query parameters: `ward` (id), `from` and `to` (dates, inclusive, in the ward's zone), `kind`."""

    ward = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    start = serializers.DateField(required=False, validators=[within_bounds])
    end = serializers.DateField(required=False, validators=[within_bounds])
    kind = serializers.ChoiceField(required=False, choices=Procedure.Kind.choices)

    def to_internal_value(self, data):
        # `from` is a Python keyword: the fields are named start and end and read from "from" and "to".
        renamed = {"ward": data.get("ward"), "start": data.get("from"), "end": data.get("to"), "kind": data.get("kind")}
        try:
            return super().to_internal_value({key: value for key, value in renamed.items() if value not in (None, "")})
        except serializers.ValidationError as error:
            names = {"start": "from", "end": "to"}
            raise serializers.ValidationError({names.get(k, k): v for k, v in error.detail.items()}) from None

    def validate(self, values):
        if values.get("start") and values.get("end") and values["start"] > values["end"]:
            raise serializers.ValidationError({"to": [_("The last day comes after the first.")]})
        return values


def period_for(user, params, *, now: dt.datetime, ward: Ward | None = None) -> Period:
    """Read the period from query parameters; a ward the user does not work on is a 404."""
    given = PeriodInput(data=params)
    given.is_valid(raise_exception=True)
    values = given.validated_data
    visible = Ward.objects.visible_to(user)
    if ward is None and "ward" in values:
        ward = visible.filter(pk=values["ward"]).first()
        if ward is None:
            raise Http404("No such ward.")
    wards = [ward] if ward else list(visible)
    # Days start at midnight in the ward's zone; several wards at once are counted in UTC days.
    zone = ward.zone if ward else dt.UTC
    end = values.get("end", now.astimezone(zone).date())
    start = values.get("start", end - dt.timedelta(days=DEFAULT_DAYS))
    return Period(
        wards=wards,
        start=dt.datetime.combine(start, dt.time(), tzinfo=zone),
        end=dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
        kind=values.get("kind", ""),
    )
