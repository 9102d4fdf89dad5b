"""A patient moved to another ward takes her timeline along.

However the ward changes (the API, the admin, the FHIR import, a script), `Patient.save` is the one
door: the pre-save hook below notes the ward the row had, and the post-save hook calls
`follow_transfer` in the same transaction. It plans the open milestones again in the new ward's
zone (a step due "the next day at 10:00" is 10:00 on the new ward's clock) and announces the move
through `procedures.signals.patient_transferred`, then `timeline_changed`, so that notifications
moves the alerts, reminders and inbox lines still open to the new ward and re-plans them there.
"""

import datetime as dt

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from procedures.models import Patient, Procedure, Staff, Ward
from procedures.signals import patient_transferred, timeline_changed
from procedures.timeline import plan_milestones


@transaction.atomic
def transfer_patient(*, patient: Patient, ward: Ward, by: Staff | None = None) -> Patient:
    """Move `patient` to `ward`; everything still open follows her (see `follow_transfer`)."""
    patient.ward = ward
    patient._history_user = by
    patient.save()
    return patient


@transaction.atomic
def follow_transfer(*, patient: Patient, from_ward: Ward, now: dt.datetime | None = None) -> None:
    """The patient's ward has just changed from `from_ward`: re-plan her open milestones there and announce it."""
    now = now or timezone.now()
    by = getattr(patient, "_history_user", None)
    procedures = list(patient.procedures.exclude(status=Procedure.Status.CANCELLED).prefetch_related("events"))
    for procedure in procedures:
        procedure.patient = patient  # the new ward's zone, without reading the patient again
        for event in procedure.events.all():
            plan_milestones(procedure, anchor=event.kind, anchor_at=event.at, by=by)
    patient_transferred.send(sender=Patient, patient=patient, from_ward=from_ward, to_ward=patient.ward, now=now)
    for procedure in procedures:
        timeline_changed.send(sender=Procedure, procedure=procedure, now=now)


@receiver(pre_save, sender=Patient, dispatch_uid="procedures.note_ward_before")
def note_ward_before(sender, instance: Patient, raw=False, **kwargs) -> None:
    instance._ward_before = (
        None
        if raw or instance.pk is None
        else (Patient.objects.filter(pk=instance.pk).values_list("ward_id", flat=True).first())
    )


@receiver(post_save, sender=Patient, dispatch_uid="procedures.follow_transfer")
def on_patient_saved(sender, instance: Patient, created: bool, raw=False, **kwargs) -> None:
    before = getattr(instance, "_ward_before", None)
    if created or raw or before in (None, instance.ward_id):
        return
    # A save outside any transaction has committed the new ward already; the rest is one transaction.
    follow_transfer(patient=instance, from_ward=Ward.objects.get(pk=before))
