"""Sessions end after SESSION_COOKIE_AGE without a request (a shift, by default).

Django's SESSION_SAVE_EVERY_REQUEST would give that by writing the session on every request, and
the ward board polls every few seconds: one UPDATE per poll per screen. Here an active session is
written again (which pushes its expiry and its cookie's forward) at most once a minute, so the
idle limit is kept to within a minute for a sixtieth of the writes.
"""

import time

from django.conf import settings

REFRESHED = "_refreshed_at"
REFRESH_SECONDS = 60


class IdleTimeoutMiddleware:
    """Put after SessionMiddleware: marks an existing session modified when it is due a refresh."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(REFRESHED, 0) >= min(REFRESH_SECONDS, settings.SESSION_COOKIE_AGE):
                session[REFRESHED] = now
        return response
