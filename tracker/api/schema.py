"""The API's OpenAPI schema: every operation documents the error answers it can give (document_errors)."""

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
