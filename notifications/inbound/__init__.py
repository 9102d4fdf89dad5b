"""Texts patients send back, from the provider's webhook to what the ward and the patient are told.

- `webhook`: POST /sms/inbound/, Twilio's signed webhook; checks the request and hands the text on.
- `receiving`: records the text once and acts on it (STOP, a pain score, red flags, the ward inbox).
- `reading`: pure reading of the text (a stop word, a score from 0 to 10, red-flag words).
"""
