"""E-mail through Django's mail backend (SMTP in production), plain text and HTML.

Each message has a Message-ID derived from the reminder's key: a retry after a lost answer sends
the same Message-ID again, which mail systems and the recipient's client treat as one message.
"""

import contextlib
import hashlib
import smtplib

from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.channels.base import DeliveryError, Transport
from notifications.channels.deadline import SendDeadlineExceeded
from notifications.content import content_for, email_address

MESSAGE_ID_DOMAIN = "recovery-tracker"


def message_id(key: str) -> str:
    """The same for every send of one reminder (a key may hold characters a Message-ID cannot)."""
    return f"<reminder.{hashlib.sha256(key.encode()).hexdigest()[:32]}@{MESSAGE_ID_DOMAIN}>"


class EmailTransport(Transport):
    def send(self, reminder) -> str:
        address = email_address(reminder)
        if not address:
            raise DeliveryError("No e-mail address for this recipient.", permanent=True)
        content = content_for(reminder)
        connection = get_connection()
        message = EmailMultiAlternatives(content.subject, content.text, to=[address], connection=connection)
        message.attach_alternative(content.html, "text/html")
        for name, data, mimetype in content.attachments:
            message.attach(name, data, mimetype)
        message.extra_headers["X-Reminder-Key"] = reminder.key
        message.extra_headers["Message-ID"] = message_id(reminder.key)
        try:
            connection.open()
            message.send()
            connection.close()  # QUIT, still within the send's deadline
        except smtplib.SMTPResponseException as error:
            hang_up(connection)
            # 5xx: the server refuses this message for good; 4xx: try again later.
            raise DeliveryError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}", permanent=error.smtp_code >= 500
            ) from error
        except smtplib.SMTPRecipientsRefused as error:
            hang_up(connection)
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(f"Recipient refused: {codes}", permanent=all(c >= 500 for c in codes)) from error
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, disconnected
            hang_up(connection)
            raise DeliveryError(f"SMTP server unreachable: {error}") from error
        except SendDeadlineExceeded:
            hang_up(connection)
            raise
        return message.extra_headers["Message-ID"]


def hang_up(connection) -> None:
    """Drop the SMTP connection without a QUIT: a server that hangs would not answer that either."""
    smtp = getattr(connection, "connection", None)  # the SMTP backend's smtplib.SMTP, if it has one
    if smtp is not None:
        with contextlib.suppress(OSError):
            smtp.close()
        connection.connection = None
