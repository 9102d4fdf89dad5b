"""Development: print what would be sent, so `make run` shows reminders without any account."""

import logging

from notifications.channels.base import Transport
from notifications.content import content_for

logger = logging.getLogger("notifications.console")


class ConsoleTransport(Transport):
    external = False

    def send(self, reminder) -> str:
        content = content_for(reminder)
        logger.warning("[%s to %s] %s: %s", reminder.channel, reminder.recipient, content.subject, content.sms)
        return f"console-{reminder.pk}"
