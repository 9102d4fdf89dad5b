"""Serializers that refuse a field they do not know instead of silently dropping it."""

from rest_framework import serializers
from rest_framework.exceptions import ValidationError


class RefuseUnknownFields:
    """Mix into any serializer: a field it does not know is an error, not silently dropped."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - {name for name, field in self.fields.items() if not field.read_only})
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class StrictSerializer(RefuseUnknownFields, serializers.Serializer):
    pass
