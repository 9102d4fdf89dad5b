"""The default protocol of shared/clinical/PROTOCOL.md, version 1, as data.

Timings marked [seed] come from the patient leaflet, [lit] from the literature, [design] are our
choices (windows, overdue margins and acknowledgement times the clinical reference leaves open).
Hospitals change them in the admin by making a new version; this one is never edited in place.
"""

import datetime as dt

from django.db import migrations
from django.utils import timezone

MIN = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
TEN_AM = dt.time(10, 0)

OBS_ACTION = "Blood pressure, pulse, SpO2, leg strength and sensation, puncture site, pain 0–10."
FOLLOW_UP_ACTION = "Pain 0–10 and disability score; new back pain means a new fracture is possible."

# code, label, anchor, offset, months, local time, window opens before, overdue after,
# acknowledge within, audience, action
STEPS = [
    (
        "cement_hardened",
        "Cement hardened",
        "cement_injected",
        10 * MIN,
        0,
        None,
        2 * MIN,
        5 * MIN,
        5 * MIN,
        "staff",
        "Cement has set (8–10 min); the patient may be moved flat.",
    ),
    *[
        (
            f"obs_{n}",
            f"Observations {n} ({minutes} min)",
            "ended",
            minutes * MIN,
            0,
            None,
            5 * MIN,
            10 * MIN,
            10 * MIN,
            "staff",
            OBS_ACTION,
        )
        for n, minutes in enumerate([15, 30, 45, 60, 90, 120], start=1)
    ],
    (
        "may_stand",
        "May stand",
        "cement_injected",
        12 * HOUR,
        0,
        None,
        dt.timedelta(0),
        2 * HOUR,
        30 * MIN,
        "staff_and_patient",
        "Consolidation complete: first time up with help; pain before and after; neurological check of the legs.",
    ),
    (
        "xray_control",
        "Control X-ray",
        "cement_injected",
        24 * HOUR,
        0,
        None,
        dt.timedelta(0),
        24 * HOUR,
        HOUR,
        "staff",
        "Control X-ray done; flag any cement leak or new fracture.",
    ),
    (
        "discharge_check",
        "Discharge check",
        "discharged",
        dt.timedelta(0),
        0,
        None,
        dt.timedelta(0),
        HOUR,
        30 * MIN,
        "staff",
        "Vital signs stable, legs as before, pain not above baseline, walking, wound dry, red-flag advice given, "
        "osteoporosis follow-up arranged.",
    ),
    *[
        (
            f"pain_checkin_day{n}",
            f"Pain check-in day {n}",
            "discharged",
            n * DAY,
            0,
            TEN_AM,
            dt.timedelta(0),
            DAY,
            None,
            "patient",
            "Pain 0–10 by reply; a red flag or pain above baseline reaches the ward.",
        )
        for n in (1, 2, 3, 5, 7)
    ],
    (
        "review_2w",
        "Two-week review",
        "discharged",
        12 * DAY,
        0,
        TEN_AM,
        dt.timedelta(0),
        2 * DAY,
        None,
        "staff_and_patient",
        "Wound and pain review, in clinic or by phone.",
    ),
    (
        "xray_followup_1m",
        "Follow-up X-ray (1 month)",
        "cement_injected",
        dt.timedelta(0),
        1,
        TEN_AM,
        dt.timedelta(0),
        7 * DAY,
        None,
        "patient",
        "Follow-up X-ray, pain and disability score.",
    ),
    *[
        (
            f"review_{months}m",
            f"Review at {months} months",
            "cement_injected",
            dt.timedelta(0),
            months,
            TEN_AM,
            dt.timedelta(0),
            14 * DAY,
            None,
            "patient",
            FOLLOW_UP_ACTION,
        )
        for months in (3, 6, 12)
    ],
]


def create_default_protocol(apps, schema_editor):
    Protocol = apps.get_model("procedures", "Protocol")
    ProtocolStep = apps.get_model("procedures", "ProtocolStep")
    protocol = Protocol.objects.create(
        code="vertebral-augmentation",
        version=1,
        name="Vertebroplasty and balloon kyphoplasty recovery",
        description="Default protocol from shared/clinical/PROTOCOL.md.",
        published_at=timezone.now(),
    )
    for order, (code, label, anchor, offset, months, at_local, window, overdue, ack, audience, action) in enumerate(
        STEPS
    ):
        ProtocolStep.objects.create(
            protocol=protocol,
            code=code,
            label=label,
            anchor=anchor,
            offset=offset,
            offset_months=months,
            at_local_time=at_local,
            window_opens_before=window,
            overdue_after=overdue,
            acknowledge_within=ack,
            audience=audience,
            action=action,
            order=order,
        )


def remove_default_protocol(apps, schema_editor):
    apps.get_model("procedures", "Protocol").objects.filter(code="vertebral-augmentation", version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(create_default_protocol, remove_default_protocol)]
