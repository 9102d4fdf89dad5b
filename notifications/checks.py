"""Start-up checks (`manage.py check`, every command, gunicorn and Celery: tracker.startup): a
channel switched on must be complete, and every channel's send deadline must fit in the lease.

A half-configured channel would fail every message at 3 a.m. instead of refusing to start now.
"""

from django.conf import settings
from django.core.checks import Error, register

from notifications.channels.deadline import SEND_MARGIN_SECONDS, deadline_for

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


DEADLINE_SETTINGS = {"sms": "SMS_TIMEOUT_SECONDS", "email": "EMAIL_TIMEOUT", "webhook": "WEBHOOK_TIMEOUT_SECONDS"}


@register("notifications")
def sends_fit_in_their_lease(app_configs=None, **kwargs) -> list[Error]:
    """A send that outlived its lease would be claimed again and sent twice, the first still running."""
    lease = settings.REMINDER_LEASE.total_seconds()
    errors = []
    for channel, name in DEADLINE_SETTINGS.items():
        seconds = deadline_for(channel)
        if not 0 < seconds < lease - SEND_MARGIN_SECONDS:
            errors.append(
                Error(
                    f"{name} ({seconds:g} s, the longest a {channel} send may take) plus a {SEND_MARGIN_SECONDS} s "
                    f"margin must be shorter than REMINDER_LEASE_SECONDS ({lease:g} s).",
                    hint=f"Lower {name} or raise REMINDER_LEASE_SECONDS.",
                    id="notifications.E003",
                )
            )
    return errors
