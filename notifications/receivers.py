"""Where notifications listens to the timeline: one call each into domain code."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from notifications.alerts import raise_alert
from notifications.outbox import follow_patient, move_to_ward, sync_reminders
from notifications.patient_links import revoke_links
from procedures.models import Patient, Procedure, Ward
from procedures.signals import patient_transferred, red_flag_raised, timeline_changed


@receiver(timeline_changed, dispatch_uid="notifications.sync_reminders")
def on_timeline_changed(sender, procedure, now, **kwargs) -> None:
    sync_reminders(procedure, now)


@receiver(red_flag_raised, dispatch_uid="notifications.raise_alert")
def on_red_flag(sender, procedure, flag, source, now, **kwargs) -> None:
    raise_alert(procedure=procedure, flag=flag, source=source, now=now)


@receiver(patient_transferred, dispatch_uid="notifications.move_to_ward")
def on_patient_transferred(sender, patient, from_ward, to_ward, now, **kwargs) -> None:
    move_to_ward(patient=patient, ward=to_ward)


# What each model's saved values decide for the messages not yet sent.
FOLLOWED = {Patient: ("messaging_consent", "phone", "email"), Ward: ("quiet_hours_start", "quiet_hours_end")}


@receiver(pre_save, sender=Patient, dispatch_uid="notifications.note_patient_contact")
@receiver(pre_save, sender=Ward, dispatch_uid="notifications.note_quiet_hours")
def note_values_before(sender, instance, **kwargs) -> None:
    instance._followed_before = sender.objects.filter(pk=instance.pk).values_list(*FOLLOWED[sender]).first()


def changed(instance) -> bool:
    """Whether a saved row (not a new one) changed any of its FOLLOWED values."""
    now = tuple(getattr(instance, field) for field in FOLLOWED[type(instance)])
    return instance._followed_before not in (None, now)


@receiver(post_save, sender=Patient, dispatch_uid="notifications.follow_patient")
def on_patient_saved(sender, instance, **kwargs) -> None:
    """New consent, phone or e-mail cancel or move the patient's messages not yet sent; a new phone or
    e-mail also revokes her links (they went to the old one, which may now be someone else's)."""
    if not changed(instance):
        return
    if instance._followed_before[1:] != (instance.phone, instance.email):
        revoke_links(instance)
    follow_patient(instance, timezone.now())


@receiver(post_save, sender=Ward, dispatch_uid="notifications.follow_quiet_hours")
def on_ward_saved(sender, instance, **kwargs) -> None:
    """New quiet hours move the ward's patient messages not yet sent."""
    if not changed(instance):
        return
    now = timezone.now()
    for procedure in Procedure.objects.filter(patient__ward=instance).exclude(status=Procedure.Status.CANCELLED):
        sync_reminders(procedure, now)
