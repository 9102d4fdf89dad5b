"""procedures.patients: registering a patient and changing her record, checked and with its author."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from procedures.models import Patient
from procedures.patients import register_patient, update_patient
from procedures.signals import patient_transferred

FIELDS = {"mrn": "MRN-9", "given_name": "Anne", "family_name": "Roux", "birth_date": dt.date(1944, 5, 2)}


def test_a_registered_patient_has_her_author_in_the_history(ward_a, nurse_a):
    patient = register_patient(ward=ward_a, by=nurse_a, **FIELDS)

    assert Patient.objects.get(mrn="MRN-9") == patient
    assert patient.history.get().history_user == nurse_a


def test_a_field_at_fault_is_named_and_nothing_is_saved(ward_a, nurse_a):
    with pytest.raises(ValidationError) as refused:
        register_patient(ward=ward_a, by=nurse_a, **FIELDS | {"phone": "12"})

    assert "phone" in refused.value.message_dict
    assert not Patient.objects.exists()


def test_an_update_that_changes_nothing_adds_no_history(patient, nurse_a):
    update_patient(patient=patient, by=nurse_a, given_name=patient.given_name)
    update_patient(patient=patient, by=nurse_a, given_name="Jeanne-Marie")

    assert [row.history_user for row in patient.history.order_by("history_id")] == [None, nurse_a]
    assert Patient.objects.get(pk=patient.pk).given_name == "Jeanne-Marie"


def test_a_new_ward_takes_her_timeline_along(procedure, ward_b, nurse_a):
    moves = []
    patient_transferred.connect(lambda **kwargs: moves.append(kwargs["to_ward"]), weak=False, dispatch_uid="t")
    try:
        update_patient(patient=procedure.patient, by=nurse_a, ward=ward_b)
    finally:
        patient_transferred.disconnect(dispatch_uid="t")

    assert moves == [ward_b]
