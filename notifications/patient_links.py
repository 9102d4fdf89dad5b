"""Links that open one patient's own page (`/p/<token>/`), and nothing else; each one on record.

A link is a row (`PatientLink`): an opaque random key, the patient, when it was issued, when it
expires (PATIENT_LINK_MAX_AGE) and when it was revoked. The token in the URL is that key signed
with SECRET_KEY, so it carries no patient id, a guessed or altered token is refused before the
database is asked, and each link can be listed and revoked on its own. A patient's links are
revoked when she replies STOP and when her phone or e-mail changes (the link went to the old one).

Public functions, for the messages and for the staff pages that hand a link over:
- `issue_link(patient) -> (url, expires_at)`
- `revoke_links(patient) -> number revoked`
- `patient_from_token(token) -> Patient` (raises LinkRefused)
- `still_opens(url) -> bool`: whether a link issued here opens now (a staff page showing one asks)

Tokens never reach the logs whole: notifications.link_masking.MaskLinkTokens (a logging filter, in
settings.LOGGING) cuts them in every line that passes through the handlers ("Not Found: /p/<token>/").
"""

import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.models import PatientLink
from procedures.models import Patient

# Another salt than the first links (signed JSON holding the patient id): those no longer open.
SALT = "notifications.patient-link.opaque"


class LinkRefused(Exception):
    """The link was tampered with (404), has expired or was withdrawn (410)."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.status = status


def signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def issue_link(patient: Patient, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """Issue a new link to `patient`'s page; return its absolute URL and when it expires."""
    now = now or timezone.now()
    link = PatientLink.objects.create(
        key=secrets.token_urlsafe(18), patient=patient, issued_at=now, expires_at=now + settings.PATIENT_LINK_MAX_AGE
    )
    path = reverse("patient-page", args=[signer().sign(link.key)])
    return settings.PUBLIC_BASE_URL.rstrip("/") + path, link.expires_at


def patient_link(patient: Patient) -> str:
    """The URL of a new link to `patient`'s page (what a message carries)."""
    return issue_link(patient)[0]


def revoke_links(patient: Patient, *, now: dt.datetime | None = None) -> int:
    """Revoke every link of `patient` still open; return how many."""
    return PatientLink.objects.filter(patient=patient, revoked_at__isnull=True).update(revoked_at=now or timezone.now())


def patient_from_token(token: str, *, now: dt.datetime | None = None) -> Patient:
    now = now or timezone.now()
    try:
        key = signer().unsign(token)
    except signing.BadSignature:
        raise LinkRefused(_("This link is not valid."), 404) from None
    link = PatientLink.objects.select_related("patient__ward").filter(key=key).first()
    if link is None:
        raise LinkRefused(_("This link is not valid."), 404)
    if link.revoked_at is not None:
        raise LinkRefused(_("This link was withdrawn."), 410)
    if now >= link.expires_at:
        raise LinkRefused(_("This link has expired."), 410)
    return link.patient


def still_opens(url: str, *, now: dt.datetime | None = None) -> bool:
    """Whether the link at `url` (as issue_link gave it) opens now: not revoked, by anyone, nor expired."""
    token = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    try:
        patient_from_token(token, now=now)
    except LinkRefused:
        return False
    return True
