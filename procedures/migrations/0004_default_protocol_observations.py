"""The default protocol's observation steps, red-flag thresholds, patient message keys and the
discharge advice sent to the patient at discharge (shared/clinical/PROTOCOL.md).

Thresholds [lit/design]: systolic BP below 90 or from 180 mmHg, pulse below 50 or from 120/min,
SpO2 below 92 %, temperature from 38.0 °C (the reference's fever threshold).
"""

from decimal import Decimal

from django.db import migrations

OBSERVATION_STEPS = ["obs_1", "obs_2", "obs_3", "obs_4", "obs_5", "obs_6", "may_stand", "discharge_check"]
PAIN_STEPS = ["pain_checkin_day1", "pain_checkin_day2", "pain_checkin_day3", "pain_checkin_day5", "pain_checkin_day7"]
LIMITS = [
    ("systolic_bp", Decimal(90), Decimal(180)),
    ("pulse", Decimal(50), Decimal(120)),
    ("spo2", Decimal(92), None),
    ("temperature", None, Decimal("38.0")),
]


MESSAGE_KEYS = {
    "pain_checkin": PAIN_STEPS,
    "xray_followup": ["xray_followup_1m"],
    "review": ["review_2w", "review_3m", "review_6m", "review_12m"],
}


def fill_in(apps, schema_editor):
    Protocol = apps.get_model("procedures", "Protocol")
    ProtocolStep = apps.get_model("procedures", "ProtocolStep")
    ObservationLimit = apps.get_model("procedures", "ObservationLimit")
    for protocol in Protocol.objects.filter(code="vertebral-augmentation", version=1):
        protocol.steps.filter(code__in=OBSERVATION_STEPS).update(records="observations")
        protocol.steps.filter(code__in=PAIN_STEPS).update(records="pain_score")
        for key, codes in MESSAGE_KEYS.items():
            protocol.steps.filter(code__in=codes).update(message_key=key)
        discharge_check = protocol.steps.get(code="discharge_check")
        ProtocolStep.objects.create(
            protocol=protocol,
            code="discharge_advice",
            label="Discharge advice",
            anchor="discharged",
            offset=discharge_check.offset,
            overdue_after=discharge_check.overdue_after,
            audience="patient",
            action="Red flags and the ward's phone number, sent to the patient.",
            order=discharge_check.order,
        )
        for measure, below, at_or_above in LIMITS:
            ObservationLimit.objects.create(
                protocol=protocol, measure=measure, alert_below=below, alert_at_or_above=at_or_above
            )


def empty(apps, schema_editor):
    apps.get_model("procedures", "ObservationLimit").objects.filter(protocol__code="vertebral-augmentation").delete()
    apps.get_model("procedures", "ProtocolStep").objects.filter(code="discharge_advice").delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0003_observations")]

    operations = [migrations.RunPython(fill_in, empty)]
