"""The patient's link as a QR code, an SVG drawn on the server (segno), shown on the patient page."""

import segno
from django.utils.safestring import SafeString, mark_safe

# Scale of one module in SVG units; the page's CSS sets the displayed size.
SCALE = 4


def qr_svg(url: str, *, title: str) -> SafeString:
    """An inline SVG of `url`; dark on white whatever the page's colour scheme, so that phones read it."""
    code = segno.make(url, error="m")
    # segno escapes the title; the URL is ours (PUBLIC_BASE_URL and a token of URL-safe characters).
    return mark_safe(code.svg_inline(scale=SCALE, title=title, light="#fff", dark="#000", svgclass="qr", omitsize=True))
