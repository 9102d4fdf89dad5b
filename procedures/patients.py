"""Registering a patient and changing her record, wherever the change comes from (a FHIR booking, a script).

As in procedures.timeline: keyword-only functions, one transaction each, the record checked
before it is saved and saved with its history author. A change of ward is followed by
procedures.transfers (her open milestones, alerts and reminders move with her).
"""

from django.db import transaction

from procedures.models import Patient, Staff


@transaction.atomic
def register_patient(*, by: Staff, **fields) -> Patient:
    """A new patient with these fields; a ValidationError names the fields at fault."""
    return checked_and_saved(Patient(**fields), by=by)


@transaction.atomic
def update_patient(*, patient: Patient, by: Staff, **fields) -> Patient:
    """Change these fields of her record; a record that already says so is left as it is (no history row)."""
    if all(getattr(patient, key) == value for key, value in fields.items()):
        return patient
    for key, value in fields.items():
        setattr(patient, key, value)
    return checked_and_saved(patient, by=by)


def checked_and_saved(patient: Patient, *, by: Staff) -> Patient:
    # The MRN's uniqueness is the database's to check: of two registrations at once, the second fails on save.
    patient.full_clean(validate_unique=False)
    patient._history_user = by
    patient.save()
    return patient
