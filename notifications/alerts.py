"""Red flags become urgent staff alerts that escalate until someone acknowledges them.

An alert is a reminder of kind `alert` to the ward's nurses, due at once, never held by quiet
hours, with an acknowledgement time per kind of red flag; it then climbs the same chain as every
other staff reminder (notifications.escalation): charge nurses, then the doctor on call.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from notifications.escalation import acknowledge
from notifications.messages import RED_FLAG
from notifications.models import Reminder
from procedures.models import Procedure, Staff
from procedures.red_flags import RedFlag, RedFlagKind


def acknowledge_within(kind: str) -> dt.timedelta:
    minutes = settings.RED_FLAG_ACKNOWLEDGE_MINUTES
    return dt.timedelta(minutes=minutes.get(kind, minutes["default"]))


def raise_alert(*, procedure: Procedure, flag: RedFlag, source, now: dt.datetime) -> Reminder:
    """Create the alert for a red flag found in `source` (a saved row); the same flag twice is one alert."""
    # Pain that does not come down is for the doctor to review, not an emergency for the nurses.
    review = flag.kind == RedFlagKind.PAIN_NOT_IMPROVING
    key = f"{source_key(source)}{flag.kind}"
    alert = {
        "kind": Reminder.Kind.ALERT,
        "ward": procedure.patient.ward,
        "procedure": procedure,
        "message_key": RED_FLAG,  # the same message for every alert; what it is about is its red_flag
        "red_flag": flag.kind,
        "summary": flag.summary[:300],
        "summaries": {code: text[:300] for code, text in flag.summaries.items()},
        "urgent": not review,
        "due_at": now,
    }
    if settings.WEBHOOK_URL:
        Reminder.objects.plan(
            key=f"{key}:webhook", recipient_role=Reminder.INTERFACE_ENGINE, channel=Reminder.Channel.WEBHOOK, **alert
        )
    return Reminder.objects.plan(
        key=key,
        recipient_role=Staff.Role.DOCTOR if review else Staff.Role.NURSE,
        channel=Reminder.Channel.INAPP,
        acknowledge_within=acknowledge_within(flag.kind),
        **alert,
    )


def source_key(source) -> str:
    """The start of the keys of the alerts raised by one saved row."""
    return f"alert:{source._meta.label_lower}:{source.pk}:"


def alerts_raised_by(*sources) -> list[Reminder]:
    """The alerts to people (not the interface engine's copies) raised by red flags in these rows."""
    sources = [source for source in sources if source is not None]
    if not sources:
        return []
    starts = Q()
    for source in sources:
        starts |= Q(key__startswith=source_key(source))
    return list(Reminder.objects.for_people().filter(starts, kind=Reminder.Kind.ALERT).order_by("pk"))


@transaction.atomic
def acknowledge_red_flags(*, procedure: Procedure, by: Staff, now: dt.datetime) -> list[Reminder]:
    """Acknowledge every open red flag of a procedure at once, each recorded as if acknowledged alone."""
    alerts = list(Reminder.objects.open_red_flags().filter(procedure=procedure).select_for_update().order_by("pk"))
    return [acknowledge(reminder=alert, by=by, now=now) for alert in alerts]
