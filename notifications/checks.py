"""Start-up checks (`manage.py check`, every command, gunicorn and Celery: tracker.startup): a
channel switched on must be complete.

A half-configured channel would fail every message at 3 a.m. instead of refusing to start now.
"""

from django.conf import settings
from django.core.checks import Error, register

TWILIO = "notifications.channels.sms.TwilioSmsTransport"
WEBHOOK = "notifications.channels.webhook.WebhookTransport"


@register("notifications", "startup")  # tracker.startup.STARTUP
def channels_are_configured(app_configs=None, **kwargs) -> list[Error]:
    transports = settings.NOTIFICATION_TRANSPORTS
    errors = []
    if transports["sms"] == TWILIO:
        missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not getattr(settings, name)]
        if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
            missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        if missing:
            errors.append(Error(f"SMS go through Twilio but {', '.join(missing)} is not set.", id="notifications.E001"))
    if transports["webhook"] == WEBHOOK and not (settings.WEBHOOK_URL and settings.WEBHOOK_SECRET):
        errors.append(Error("The webhook channel needs both WEBHOOK_URL and WEBHOOK_SECRET.", id="notifications.E002"))
    return errors
