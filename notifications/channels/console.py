"""Development: print what would be sent, so `make run` shows reminders without any account."""

import logging

from notifications.channels.base import Transport
from notifications.content import content_for

logger = logging.getLogger("notifications.console")


class ConsoleTransport(Transport):
    # It stands in for SMS and e-mail (make run, or a channel not configured yet): taken before it is
    # printed like a real send, so that the tasks sharing a claim out print each message once.
    external = True

    def send(self, reminder) -> str:
        content = content_for(reminder)
        logger.warning("[%s to %s] %s: %s", reminder.channel, reminder.recipient, content.subject, content.sms)
        return f"console-{reminder.pk}"
