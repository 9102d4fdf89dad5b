"""Rows the tests need that no service makes on its own terms: built here once, with plain defaults."""

import datetime as dt

from notifications.models import Reminder


def make_reminder(procedure, key: str, *, due_at: dt.datetime, channel: str = "inapp", **fields) -> Reminder:
    """A reminder of `procedure`'s ward, due at `due_at`: to the ward's nurses (the interface engine for a
    webhook) unless `fields` name a recipient; `message_key` "test" unless given."""
    role = "interface_engine" if channel == "webhook" else "nurse"
    fields.setdefault("recipient_role", "" if {"recipient_staff", "recipient_patient"} & set(fields) else role)
    fields.setdefault("message_key", "test")
    return Reminder.objects.create(
        key=key, ward=procedure.patient.ward, procedure=procedure, channel=channel, due_at=due_at, **fields
    )
