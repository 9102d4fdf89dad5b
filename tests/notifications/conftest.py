"""Fixtures for the channels: a local server speaking Twilio's Messages API."""

import pytest

from tests.notifications.http_peers import FakeTwilio

TWILIO_ACCOUNT, TWILIO_TOKEN = "AC" + "0" * 32, "test-auth-token"


@pytest.fixture
def twilio_api(settings):
    """The SMS channel goes through the real Twilio SDK to this server; `.received` holds the messages."""
    with FakeTwilio(TWILIO_ACCOUNT, TWILIO_TOKEN) as server:
        settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
            "sms": "notifications.channels.sms.TwilioSmsTransport"
        }
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = TWILIO_ACCOUNT, TWILIO_TOKEN
        settings.TWILIO_FROM_NUMBER, settings.TWILIO_API_BASE = "+33700000000", server.url
        yield server


@pytest.fixture(autouse=True)
def no_pace_known(monkeypatch):
    """Each test starts as a new worker process: no channel pace known yet (notifications.delivery)."""
    monkeypatch.setattr("notifications.delivery.LAST_PACE", 0.0)
