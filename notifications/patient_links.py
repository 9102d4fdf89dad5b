"""Signed, expiring links that open one patient's own page, and nothing else.

The token holds the patient's id and when it was issued, signed with SECRET_KEY. It is refused
when tampered with, older than PATIENT_LINK_MAX_AGE, or issued before the patient's links were
revoked (Patient.links_revoked_at).
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from procedures.models import Patient

SALT = "notifications.patient-link"


class LinkRefused(Exception):
    """The link was tampered with (404), has expired or was withdrawn (410)."""

    def __init__(self, reason: str, status: int):
        super().__init__(reason)
        self.status = status


def patient_token(patient: Patient, *, now: dt.datetime | None = None) -> str:
    issued = int((now or timezone.now()).timestamp())
    return signing.dumps({"patient": patient.pk, "issued": issued}, salt=SALT, compress=True)


def patient_link(patient: Patient) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("patient-page", args=[patient_token(patient)])


def patient_from_token(token: str, *, now: dt.datetime | None = None) -> Patient:
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise LinkRefused(_("This link is not valid."), 404) from None
    issued = dt.datetime.fromtimestamp(payload["issued"], tz=dt.UTC)
    if now - issued > settings.PATIENT_LINK_MAX_AGE:
        raise LinkRefused(_("This link has expired."), 410)
    patient = Patient.objects.select_related("ward").filter(pk=payload["patient"]).first()
    # Timestamps are whole seconds: a link issued in the second of a revocation is revoked too.
    if patient is None or (patient.links_revoked_at and issued <= patient.links_revoked_at):
        raise LinkRefused(_("This link was withdrawn."), 410)
    return patient


def revoke_links(patient: Patient, *, now: dt.datetime | None = None) -> None:
    patient.links_revoked_at = now or timezone.now()
    patient.save(update_fields=["links_revoked_at"])


def issue_link(patient: Patient, *, now: dt.datetime | None = None) -> tuple[str, dt.datetime]:
    """Issue a new link for `patient`; return its URL and when it expires. Earlier links stay valid."""
    now = now or timezone.now()
    url = settings.PUBLIC_BASE_URL.rstrip("/") + reverse("patient-page", args=[patient_token(patient, now=now)])
    # The token holds whole seconds, so the link expires at the whole second after `now`'s.
    issued = now.replace(microsecond=0)
    return url, issued + settings.PATIENT_LINK_MAX_AGE
