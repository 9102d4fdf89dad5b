"""E-mail through Django's mail backend (SMTP in production), plain text and HTML."""

import smtplib
from email.utils import make_msgid

from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.channels.base import DeliveryError, Transport
from notifications.content import content_for, email_address


class EmailTransport(Transport):
    def send(self, reminder) -> str:
        address = email_address(reminder)
        if not address:
            raise DeliveryError("No e-mail address for this recipient.", permanent=True)
        content = content_for(reminder)
        message = EmailMultiAlternatives(content.subject, content.text, to=[address], connection=get_connection())
        message.attach_alternative(content.html, "text/html")
        for name, data, mimetype in content.attachments:
            message.attach(name, data, mimetype)
        message.extra_headers["X-Reminder-Key"] = reminder.key
        message.extra_headers["Message-ID"] = make_msgid(domain="recovery-tracker")
        try:
            message.send()
        except smtplib.SMTPResponseException as error:
            # 5xx: the server refuses this message for good; 4xx: try again later.
            raise DeliveryError(
                f"SMTP {error.smtp_code}: {error.smtp_error!r}", permanent=error.smtp_code >= 500
            ) from error
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(f"Recipient refused: {codes}", permanent=all(c >= 500 for c in codes)) from error
        except (OSError, smtplib.SMTPException) as error:  # refused, timed out, disconnected
            raise DeliveryError(f"SMTP server unreachable: {error}") from error
        return message.extra_headers["Message-ID"]
