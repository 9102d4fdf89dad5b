"""A channel switched on must be complete, or the app refuses to start."""

from notifications.checks import TWILIO, WEBHOOK, channels_are_configured


def test_the_development_defaults_pass(settings):
    assert channels_are_configured() == []


def test_twilio_without_a_sender_is_refused(settings):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {"sms": TWILIO}
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC1", "token"

    (error,) = channels_are_configured()

    assert error.id == "notifications.E001" and "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID" in error.msg
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG1"
    assert channels_are_configured() == []


def test_a_webhook_without_its_secret_is_refused(settings):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {"webhook": WEBHOOK}
    settings.WEBHOOK_URL = "https://engine.example/tracker"

    assert [error.id for error in channels_are_configured()] == ["notifications.E002"]
