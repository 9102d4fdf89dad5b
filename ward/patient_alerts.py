"""A patient's red-flag alerts, each with the steps of its escalation and who acknowledged it when."""

from django.db.models import F, Prefetch

from notifications.models import Reminder
from procedures.models import Patient
from ward.red_flag_notice import describe_alerts


def patient_alerts(patient: Patient) -> list[Reminder]:
    """Open alerts first, then the newest; escalation steps in order; each described in the page's language."""
    steps = Reminder.objects.select_related("recipient_staff").order_by("escalation_level", "id")
    alerts = list(
        Reminder.objects.for_people()
        .filter(procedure__patient=patient, kind=Reminder.Kind.ALERT)
        .select_related("acknowledged_by")
        .prefetch_related(Prefetch("escalations", steps))
        .order_by(F("acknowledged_at").desc(nulls_first=True), "-due_at", "-id")
    )
    describe_alerts(alerts)
    return alerts
