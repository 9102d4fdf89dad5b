"""A body over DATA_UPLOAD_MAX_MEMORY_SIZE gets 413 in the API's own format, not Django's HTML 400.

Checked on Content-Length before anything reads the body; Django's own check (RequestDataTooBig,
raised when a view reads a body sent without a length) gets the same answer.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from tracker.errors import api_error


def too_large(request: HttpRequest) -> HttpResponse:
    text = f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes this server accepts."
    return api_error(request, 413, text) or HttpResponse(text, status=413, content_type="text/plain; charset=utf-8")


class BodySizeLimitMiddleware:
    """Put before any middleware that reads the body (CSRF reads a form's fields)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return too_large(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return too_large(request) if isinstance(exception, RequestDataTooBig) else None
