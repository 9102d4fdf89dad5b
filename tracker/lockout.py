"""What a locked-out login gets back (django-axes calls this): JSON for the API, a page for people."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse

MESSAGE = "Too many failed attempts: this account is locked for {minutes} minutes."


def lockout_response(request, response=None, credentials=None, *args, **kwargs) -> HttpResponse:
    text = MESSAGE.format(minutes=int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": text}, status=429)
    return HttpResponse(text, status=429, content_type="text/plain; charset=utf-8")
