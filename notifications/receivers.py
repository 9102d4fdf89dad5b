"""Where notifications listens to the timeline: one call each into domain code."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from notifications.alerts import raise_alert
from notifications.outbox import follow_patient, sync_reminders
from procedures.models import Patient, Procedure, Ward
from procedures.signals import red_flag_raised, timeline_changed


@receiver(timeline_changed, dispatch_uid="notifications.sync_reminders")
def on_timeline_changed(sender, procedure, now, **kwargs) -> None:
    sync_reminders(procedure, now)


@receiver(red_flag_raised, dispatch_uid="notifications.raise_alert")
def on_red_flag(sender, procedure, flag, source, now, **kwargs) -> None:
    raise_alert(procedure=procedure, flag=flag, source=source, now=now)


@receiver(post_save, sender=Patient, dispatch_uid="notifications.follow_patient")
def on_patient_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        follow_patient(instance, timezone.now())


@receiver(pre_save, sender=Ward, dispatch_uid="notifications.note_quiet_hours")
def on_ward_saving(sender, instance, **kwargs) -> None:
    instance._quiet_hours_before = (
        Ward.objects.filter(pk=instance.pk).values_list("quiet_hours_start", "quiet_hours_end").first()
    )


@receiver(post_save, sender=Ward, dispatch_uid="notifications.follow_quiet_hours")
def on_ward_saved(sender, instance, created, **kwargs) -> None:
    """New quiet hours move the ward's patient messages not yet sent."""
    if created or instance._quiet_hours_before == (instance.quiet_hours_start, instance.quiet_hours_end):
        return
    now = timezone.now()
    for procedure in Procedure.objects.filter(patient__ward=instance).exclude(status=Procedure.Status.CANCELLED):
        sync_reminders(procedure, now)
