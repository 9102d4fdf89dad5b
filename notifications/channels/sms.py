"""SMS through Twilio's official SDK, configured by environment variables (tracker/settings.py).

The SDK is used as it is; only its HTTP client is swapped when TWILIO_API_BASE is set, to reach
another server that speaks Twilio's Messages API (the tests run one on localhost).
"""

import functools
from urllib.parse import urlencode

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from notifications.channels.base import DeliveryError, Transport, permanent_http_error
from notifications.content import content_for, phone_number
from notifications.models import Reminder

TWILIO_API = "https://api.twilio.com"
# Worth another try: too many requests, a timeout on Twilio's side, and credentials that someone
# may be fixing right now (every message would fail for good otherwise). Any other 4xx (an
# invalid or unreachable number, a patient who blocked us at Twilio) fails at once.
TEMPORARY_STATUSES = {401, 403, 408, 429}


class ApiBaseHttpClient(TwilioHttpClient):
    """Sends the SDK's requests to `base` instead of api.twilio.com."""

    def __init__(self, base: str, **kwargs):
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args, **kwargs):
        if url.startswith(TWILIO_API):
            url = self.base + url.removeprefix(TWILIO_API)
        return super().request(method, url, *args, **kwargs)


@functools.lru_cache(maxsize=4)  # one client per worker process and configuration: it keeps its connections
def twilio_client(account_sid: str, auth_token: str, api_base: str, timeout: int) -> Client:
    http = ApiBaseHttpClient(api_base, timeout=timeout) if api_base else TwilioHttpClient(timeout=timeout)
    return Client(account_sid, auth_token, http_client=http)


def client() -> Client:
    return twilio_client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_BASE, settings.SMS_TIMEOUT_SECONDS
    )


def status_callback(reminder: Reminder) -> dict[str, str]:
    """Twilio takes no idempotency key; the status callback URL is where it keeps one per message.

    Twilio calls it back with the message's status, and the key in it names the reminder: a message
    sent twice (a lost answer, then a retry) shows up as two message SIDs with the same key.
    """
    url = settings.TWILIO_STATUS_CALLBACK_URL
    if not url:
        return {}
    return {"status_callback": f"{url}{'&' if '?' in url else '?'}{urlencode({'reminder': reminder.key})}"}


def sender() -> dict[str, str]:
    if settings.TWILIO_MESSAGING_SERVICE_SID:
        return {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
    return {"from_": settings.TWILIO_FROM_NUMBER}


class TwilioSmsTransport(Transport):
    def send(self, reminder: Reminder) -> str:
        to = phone_number(reminder)
        if not to:
            raise DeliveryError("No mobile number for this recipient.", permanent=True)
        try:
            message = client().messages.create(
                to=to, body=content_for(reminder).sms, **sender(), **status_callback(reminder)
            )
        except TwilioRestException as error:
            raise DeliveryError(
                f"Twilio {error.status} (error {error.code}): {error.msg}",
                permanent=permanent_http_error(error.status, TEMPORARY_STATUSES),
            ) from error
        except requests.RequestException as error:
            # Refused, or timed out: after a timeout the message may have gone (Twilio's Messages API
            # takes no idempotency key), so a retry can repeat it. Rare, and better than a loss.
            raise DeliveryError(f"Twilio unreachable: {error}") from error
        return message.sid
