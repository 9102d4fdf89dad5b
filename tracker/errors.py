"""Django's error pages, in the API's format under /api/ (an OperationOutcome under /api/fhir/).

A URL that matches no route (`/api/wards/1.5/`) never reaches DRF, so without these a JSON client
would get Django's HTML page.
"""

import json

from django.http import HttpRequest, HttpResponse
from django.views import defaults

FHIR_PREFIX = "/api/fhir/"
ISSUE_CODES = {400: "invalid", 403: "forbidden", 404: "not-found", 413: "too-long", 500: "exception"}


def api_error(request: HttpRequest, status: int, text: str) -> HttpResponse | None:
    """The error as the API answers it, or None for a path outside the API."""
    if request.path.startswith(FHIR_PREFIX):
        issue = {"severity": "error", "code": ISSUE_CODES.get(status, "processing"), "diagnostics": text}
        body = {"resourceType": "OperationOutcome", "issue": [issue]}
        return HttpResponse(json.dumps(body), status=status, content_type="application/fhir+json")
    if request.path.startswith("/api/"):
        return HttpResponse(json.dumps({"detail": text}), status=status, content_type="application/json")
    return None


def bad_request(request, exception):
    return api_error(request, 400, "Bad request.") or defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return api_error(request, 403, "Not allowed.") or defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return api_error(request, 404, "Not found.") or defaults.page_not_found(request, exception)


def server_error(request):
    return api_error(request, 500, "Server error.") or defaults.server_error(request)
