"""Webhook: a signed JSON POST of each staff reminder and alert to the hospital's interface engine.

The receiver checks `X-Tracker-Signature` (HMAC-SHA256, keyed with WEBHOOK_SECRET, over the
`X-Tracker-Timestamp` value, a dot and the raw body) and drops a `key` it has seen before: a
delivery whose answer was lost is sent again with the same key. See docs/api.md, "Webhooks".
"""

import functools
import hashlib
import hmac
import json
import time

import requests
from django.conf import settings

from notifications.channels.base import DeliveryError, Transport, permanent_http_error
from notifications.content import staff_content
from notifications.models import Reminder

# A 4xx is the receiver refusing this message for good, except these, which say "later".
TEMPORARY_STATUSES = {408, 409, 423, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def payload(reminder: Reminder) -> dict:
    """What the interface engine needs to file the message: no name, no diagnosis, no levels."""
    milestone, procedure = reminder.milestone, reminder.procedure
    return {
        "key": reminder.key,
        "kind": reminder.kind,
        "urgent": reminder.urgent,
        "due_at": reminder.original_due_at.isoformat(),  # as planned: a retry does not move it
        "ward": {"id": reminder.ward_id, "name": reminder.ward.name},
        "bed": procedure.patient.bed,
        "patient": {"mrn": procedure.patient.mrn},
        "procedure": procedure.pk,
        "milestone": milestone
        and {"id": milestone.pk, "code": milestone.step.code, "due_at": milestone.due_at.isoformat()},
        "red_flag": reminder.red_flag if reminder.kind == Reminder.Kind.ALERT else None,
        "text": staff_content(reminder).text,
    }


@functools.cache  # one session per worker process keeps the connection to the receiver open
def session() -> requests.Session:
    return requests.Session()


class WebhookTransport(Transport):
    def send(self, reminder: Reminder) -> str:
        if not settings.WEBHOOK_URL or not settings.WEBHOOK_SECRET:
            raise DeliveryError("WEBHOOK_URL and WEBHOOK_SECRET must both be set.", permanent=True)
        body = json.dumps(payload(reminder), separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Tracker-Key": reminder.key,
            "X-Tracker-Timestamp": timestamp,
            "X-Tracker-Signature": f"sha256={signature(settings.WEBHOOK_SECRET, timestamp, body)}",
        }
        try:
            response = session().post(
                settings.WEBHOOK_URL,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as error:
            raise DeliveryError(f"Webhook unreachable: {error}") from error
        if not 200 <= response.status_code < 300:
            raise DeliveryError(
                f"Webhook answered {response.status_code}: {response.text[:200]}",
                permanent=permanent_http_error(response.status_code, TEMPORARY_STATUSES),
            )
        return response.headers.get("X-Request-Id", "")[:200]
