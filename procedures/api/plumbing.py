"""What every endpoint of the API shares, whichever app it belongs to.

- RefuseUnknownFields, StrictSerializer: unknown fields are refused, not ignored.
- StrictDateTimeField: a time without its UTC offset, one that does not exist, or out of range is refused.
- exception_handler: the domain's ValidationError (a dict naming the field) becomes a 400 with
  those fields, like a serializer error.
- idempotent: a POST retried with the same Idempotency-Key and body gets the first reply.
- log_access: the access log of patients' records.
- WardScopedMixin: objects outside the user's wards answer 404.
- NumericIds: an id that is not a number answers 404.
"""

import hashlib
import json
from functools import wraps

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from procedures.models import AccessLog, IdempotencyKey
from procedures.times import parse_time


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


class NumericIds:
    """Mix into a viewset: its ids are ASCII digits in the route itself, so "abc", a NUL or "²" is a 404
    before any view code runs (an action reading its own object would otherwise meet them as a 500)."""

    lookup_value_regex = "[0-9]{1,18}"  # at most 18 digits: every one of them fits a bigint


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    return drf_exception_handler(exc, context)


def domain_call(function, **kwargs):
    """Call a domain function; its ValidationError becomes a 400 naming the field."""
    try:
        return function(**kwargs)
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict") else error.messages) from error


def idempotent(view_method):
    """Decorate a POST handler: a retry with the same Idempotency-Key and body gets the first reply.

    The key is per user; the same key with a different body is refused (422). The handler runs in
    a transaction with the stored reply, so a crash between the two leaves neither.
    """

    @wraps(view_method)
    def handle(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 200 or "\x00" in key:
            raise ValidationError({"Idempotency-Key": ["At most 200 characters, and no NUL."]})
        digest = hashlib.sha256(
            json.dumps([request.method, request.path, request.data], sort_keys=True, default=str).encode()
        ).hexdigest()
        IdempotencyKey.objects.expired(timezone.now()).filter(user=request.user, key=key).delete()
        earlier = IdempotencyKey.objects.filter(user=request.user, key=key).first()
        if earlier is None:
            try:
                with transaction.atomic():
                    response = view_method(self, request, *args, **kwargs)
                    if 200 <= response.status_code < 300:
                        IdempotencyKey.objects.create(
                            user=request.user, key=key, request_hash=digest, status_code=response.status_code,
                            response=json.loads(json.dumps(response.data, default=str)),
                        )  # fmt: skip
                    return response
            except IntegrityError:
                # The same key arrived twice at once: the other request won; answer with its reply.
                earlier = IdempotencyKey.objects.filter(user=request.user, key=key).first()
                if earlier is None:
                    raise
        if earlier.request_hash != digest:
            return Response(
                {"detail": "This Idempotency-Key was used with a different request."},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Response(earlier.response, status=earlier.status_code, headers={"Idempotent-Replayed": "true"})

    return handle


def log_access(request, *, action: str, what: str, patients: list, object_id="", ward=None) -> None:
    """Record that the request's user read or changed these patients' records (one row each).

    A view of a whole ward (the board) is one row naming the ward: pass `patients=[]` and `ward`.
    """
    rows = list(dict.fromkeys(getattr(patient, "pk", patient) for patient in patients))
    AccessLog.objects.bulk_create(
        AccessLog(
            user=request.user,
            patient_id=patient,
            ward=ward,
            action=action,
            what=what,
            object_id=str(object_id),
            method=request.method,
            path=request.path[:300],
        )
        for patient in (rows or ([None] if ward is not None else []))
    )


# The error answers every operation documents (document_errors), as components of the schema.
ERROR_SCHEMAS = {
    "FieldErrors": {
        "type": "object",
        "description": (
            "A refused input: each key names a field at fault and holds its messages (a list of strings; for a "
            "nested object or a list, the same shape keyed by its fields or positions). `non_field_errors` holds "
            "what concerns the input as a whole; `detail` a general refusal (a body that is not JSON)."
        ),
        "properties": {
            "non_field_errors": {"type": "array", "items": {"type": "string"}},
            # A general refusal; or, when the input itself had a field named "detail", its messages.
            "detail": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        },
        "additionalProperties": {"oneOf": [{"type": "array"}, {"type": "object"}, {"type": "string"}]},
        "example": {"at": ["Give the time with its UTC offset, e.g. 2026-03-10T09:00:00+01:00."]},
    },
    "Error": {
        "type": "object",
        "description": "A refusal of the whole request, said in `detail`.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "additionalProperties": False,
        "example": {"detail": "Not found."},
    },
    "OperationOutcome": {
        "type": "object",
        "description": "FHIR R4B OperationOutcome: each issue names its element (`expression`) when there is one.",
        "properties": {
            "resourceType": {"type": "string", "enum": ["OperationOutcome"]},
            "issue": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "severity": {"type": "string"},
                        "code": {"type": "string"},
                        "diagnostics": {"type": "string"},
                        "expression": {"type": "array", "items": {"type": "string"}},
                    },
                    "required": ["severity", "code"],
                },
            },
        },
        "required": ["resourceType", "issue"],
    },
}
ERRORS = {
    "400": "Invalid input: the fields at fault, each with its messages.",
    "401": "Not authenticated, or the token has expired or was revoked.",
    "403": "Not allowed for this user.",
    "404": "No such object on the user's wards.",
    "413": "The request body is larger than the server accepts (MAX_REQUEST_BODY_BYTES).",
    "415": "The body is not JSON (the API reads no form or multipart body).",
    "422": "The Idempotency-Key was used before with another request.",
    "429": "Too many requests, or the account is locked after failed logins.",
}
WITH_BODY = {"post", "put", "patch"}
FHIR_MEDIA = "application/fhir+json"


def error_schema(code: str, media: list[str]) -> dict:
    if FHIR_MEDIA in media:
        return {"$ref": "#/components/schemas/OperationOutcome"}  # interop.api.FhirView answers every error so
    return {"$ref": f"#/components/schemas/{'FieldErrors' if code == '400' else 'Error'}"}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: every operation documents the error answers it can give."""
    result.setdefault("components", {}).setdefault("schemas", {}).update(ERROR_SCHEMAS)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            # Errors come in the media types of the operation's answers (FHIR views: fhir+json or json).
            media = list(dict.fromkeys(m for r in responses.values() for m in r.get("content", {})))
            media = media or ["application/json"]
            for code, description in ERRORS.items():
                if code in ("413", "415", "422") and method not in WITH_BODY:
                    continue
                if code == "422" and method != "post":
                    continue
                content = {m: {"schema": error_schema(code, media)} for m in media}
                responses.setdefault(code, {"description": description, "content": content})
    return result
