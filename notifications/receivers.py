"""Where notifications listens to the timeline: one call each into domain code."""

from django.dispatch import receiver

from notifications.alerts import raise_alert
from notifications.outbox import sync_reminders
from procedures.signals import red_flag_raised, timeline_changed


@receiver(timeline_changed, dispatch_uid="notifications.sync_reminders")
def on_timeline_changed(sender, procedure, now, **kwargs) -> None:
    sync_reminders(procedure, now)


@receiver(red_flag_raised, dispatch_uid="notifications.raise_alert")
def on_red_flag(sender, procedure, flag, source, now, **kwargs) -> None:
    raise_alert(procedure=procedure, flag=flag, source=source, now=now)
