"""POST /sms/inbound/: Twilio's webhook for the texts patients send back.

Authenticated by Twilio's signature (HMAC-SHA1 of the URL and the form, keyed with the account's
auth token): a request without a valid one is refused with 403 and read no further.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from notifications.inbound.receiving import receive_reply

# Twilio sends nothing back when the answer is an empty TwiML response; confirmations go through
# the outbox like every other message.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def signed_by_twilio(request) -> bool:
    if not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.TWILIO_INBOUND_URL or request.build_absolute_uri()
    signature = request.headers.get("X-Twilio-Signature", "")
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(url, request.POST.dict(), signature)


@csrf_exempt
@require_POST
def sms_inbound(request):
    if not signed_by_twilio(request):
        return HttpResponseForbidden("Invalid signature.")
    form = request.POST
    if any("\x00" in key or any("\x00" in value for value in values) for key, values in form.lists()):
        # PostgreSQL refuses NUL in text; no phone sends one. Refused whole, not silently trimmed.
        return HttpResponseBadRequest("Null characters are not allowed.")
    sid, sender, body = form.get("MessageSid", ""), form.get("From", ""), form.get("Body", "")
    if not sid or not sender or len(sid) > 64 or len(sender) > 20:
        return HttpResponseBadRequest("MessageSid and From (a phone number) are required.")
    receive_reply(sender=sender, body=body, provider_message_id=sid, now=timezone.now())
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")
