"""Log-ins, on the page and through the API: who the client is, and how often it may try.

The rate is counted per client address in the shared cache (settings.CACHES), so every web
process sees the same counts, and the page and the token endpoint share them: an attacker gains
nothing by switching between the two.
"""

import functools
import math

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from rest_framework.throttling import ScopedRateThrottle


def client_address(request) -> str:
    """The address the request came from: the connection's, unless it came through a trusted proxy.

    `X-Forwarded-For` is written by the client, so it counts only when the connection comes from
    one of TRUSTED_PROXIES; then the client is the last address in the header that is not itself a
    trusted proxy (each proxy appends the address it received the request from).
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(settings.TRUSTED_PROXIES)
    if remote not in trusted:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if address not in trusted:
            return address
    return remote


def axes_client_address(request, *args, **kwargs) -> str:
    """django-axes' AXES_CLIENT_IP_CALLABLE: the same address as the throttle's."""
    return client_address(request)


class LoginThrottle(ScopedRateThrottle):
    """The `login` rate (LOGIN_THROTTLE_RATE) per client address."""

    def get_rate(self) -> str:
        return settings.LOGIN_THROTTLE_RATE  # read when asked, not at import, so a test can change it

    def get_ident(self, request):
        return client_address(request)


class LoginAttempts:
    """What the throttle needs from a view: its scope."""

    throttle_scope = "login"


class UsernameLengthChecked:
    """Mix into Django's log-in forms: they write the username's limit into the page (maxlength) but never
    check it, so a longer one reached django-axes, which could not store the failed attempt (a 500)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.validators.append(MaxLengthValidator(username.max_length))


class LogInForm(UsernameLengthChecked, AuthenticationForm):
    pass


class AdminLogInForm(UsernameLengthChecked, AdminAuthenticationForm):
    pass


def throttled(view):
    """Wrap a log-in view (the ward's page, the admin's): each POST counts against the `login` rate."""

    @functools.wraps(view)
    def login(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            throttle = LoginThrottle()
            if not throttle.allow_request(request, LoginAttempts()):
                return too_many_attempts(math.ceil(throttle.wait() or 60))
        return view(request, *args, **kwargs)

    return login


def too_many_attempts(wait: int) -> HttpResponse:
    text = _("Too many log-in attempts from this address: try again in %(seconds)s seconds.") % {"seconds": wait}
    response = HttpResponse(text, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(wait)
    return response
