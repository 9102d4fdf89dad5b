"""Headers on every page and answer the app writes (static files, served by WhiteNoise, skip this).

- Content-Security-Policy on HTML: scripts and styles only from this site's files, so that text
  a patient or a member of staff typed can never run as script even if an escape were missed.
  The admin and the API's documentation page keep inline style attributes (their own templates
  use them); no page allows an inline script.
- Cache-Control: no-store on everything: pages and API answers are patients' records (or a log-in
  form), and must not stay in a shared computer's or a proxy's cache.
"""

from django.http import HttpRequest, HttpResponse

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
INLINE_STYLES = STRICT | {"style-src": "'self' 'unsafe-inline'"}
# Pages whose third-party templates write style attributes (not scripts).
INLINE_STYLE_PREFIXES = ("/admin/", "/api/docs/")


def policy_for(path: str) -> str:
    directives = INLINE_STYLES if path.startswith(INLINE_STYLE_PREFIXES) else STRICT
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Put after WhiteNoiseMiddleware, so that static files keep their long cache lifetimes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("text/html"):
            response.setdefault("Content-Security-Policy", policy_for(request.path))
        if "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response
