"""Query parameters as django-filter FilterSets: documented in the schema, and a bad value is a 400
naming the parameter with its messages (as a bad field of a body is), never a 500.

A view lists its filters with `filter_backends = [DjangoFilterBackend]` and `filterset_class`;
drf-spectacular documents them on the list operation.
"""

from django import forms
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError


class WholeNumberField(forms.CharField):
    """Plain ASCII digits: "²" and "١" are digits to Python, but no id is written with them."""

    default_error_messages = {"invalid": "A whole number is required."}

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not (value.isascii() and value.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(filters.Filter):
    field_class = WholeNumberField


def one_of(choices, **kwargs) -> filters.ChoiceFilter:
    """A filter on one of these values; another value is refused with the list of those allowed."""
    allowed = ", ".join(value for value, _label in choices)
    return filters.ChoiceFilter(choices=choices, error_messages={"invalid_choice": f"One of {allowed}."}, **kwargs)


class ListFilters:
    """Mix into a viewset: its query parameters narrow the list; one object is found by its id alone
    (an acknowledgement posted to a URL that still carries the list's ?status=open is not a 404)."""

    filterset_class: type[filters.FilterSet]

    @property
    def filter_backends(self) -> list:
        return [filters.DjangoFilterBackend] if self.action == "list" else []


def query_parameter(request, name: str, field: forms.Field):
    """One query parameter of a view that lists nothing, read by a form field; a bad value is a 400
    naming it, as from a FilterSet."""
    try:
        return field.clean(request.query_params.get(name))
    except forms.ValidationError as error:
        raise ValidationError({name: error.messages}) from None
