"""Validation of wards, patients, procedures and protocols."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from procedures.models import Patient, Procedure, Protocol, ProtocolStep, Ward


def refused_fields(error: pytest.ExceptionInfo) -> dict[str, list[str]]:
    return error.value.message_dict


def test_the_default_protocol_ships_as_published_data(db):
    first = Protocol.objects.get(code="vertebral-augmentation", version=1)
    protocol = Protocol.objects.current("vertebral-augmentation")

    assert first.is_published and protocol.version == 2 and protocol.is_published
    assert list(first.steps.values_list("code", flat=True)) == [
        "cement_hardened", "obs_1", "obs_2", "obs_3", "obs_4", "obs_5", "obs_6", "may_stand", "xray_control",
        "discharge_check", "discharge_advice", "pain_checkin_day1", "pain_checkin_day2", "pain_checkin_day3",
        "pain_checkin_day5", "pain_checkin_day7", "review_2w", "xray_followup_1m", "review_3m", "review_6m",
        "review_12m",
    ]  # fmt: skip
    # Version 2: the same steps, then the recovery checks (tests/procedures/test_recovery_checks.py).
    assert list(protocol.steps.values_list("code", flat=True)) == [
        *first.steps.values_list("code", flat=True),
        "prom_baseline", "prom_1w", "prom_1m", "prom_3m", "prom_6m", "prom_12m",
    ]  # fmt: skip


def test_a_procedure_keeps_its_protocol_version_when_a_new_one_is_published(procedure):
    assert procedure.protocol.version == 2  # the current version when it was scheduled
    draft = procedure.protocol.new_draft()
    draft.publish()

    procedure.refresh_from_db()
    assert (Protocol.objects.current("vertebral-augmentation").version, procedure.protocol.version) == (3, 2)
    assert draft.version == 3
    assert draft.steps.count() == procedure.protocol.steps.count()


def test_a_published_protocol_step_cannot_be_changed(db):
    step = Protocol.objects.current("vertebral-augmentation").steps.get(code="may_stand")
    step.offset = dt.timedelta(hours=6)

    with pytest.raises(ValidationError, match="published"):
        step.full_clean()


def test_a_draft_protocol_step_can_be_changed_but_not_followed(make_procedure):
    draft = Protocol.objects.current("vertebral-augmentation").new_draft()
    step = draft.steps.get(code="may_stand")
    step.offset = dt.timedelta(hours=6)
    step.full_clean()

    with pytest.raises(ValidationError) as refused:
        make_procedure(protocol=draft)
    assert "published" in refused_fields(refused)["protocol"][0]


def test_a_step_counted_in_months_needs_a_local_time(db):
    draft = Protocol.objects.create(code="test", version=1, name="Test")
    step = ProtocolStep(
        protocol=draft, code="late", label="Late", anchor="discharged", offset=dt.timedelta(0), offset_months=2,
        audience="patient", action="Review",
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        step.full_clean()
    assert "at_local_time" in refused_fields(refused)


def test_levels_are_stored_in_spine_order(make_procedure):
    procedure = make_procedure(levels=["L1", "T12"], anaesthesia="general")

    assert procedure.levels == ["T12", "L1"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"levels": ["L1", "L2"], "anaesthesia": "local"}, "anaesthesia", "general anaesthesia"),
        ({"levels": []}, "levels", "at least one"),
        ({"levels": ["L1", "L1"]}, "levels", "only once"),
        ({"levels": ["S1"]}, "levels", "Unknown level 'S1'"),
        ({"levels": "L1"}, "levels", "at least one"),
        ({"kind": "surgery"}, "kind", "not a valid choice"),
        ({"cement_volume_ml": {"L2": 3}}, "cement_volume_ml", "not one of the treated levels"),
        ({"cement_volume_ml": {"L1": 40}}, "cement_volume_ml", "between 0 and 20"),
    ],
)
def test_invalid_procedures_are_refused_and_not_saved(make_procedure, overrides, field, words):
    with pytest.raises(ValidationError) as refused:
        make_procedure(**overrides)

    assert words in " ".join(refused_fields(refused)[field])
    assert not Procedure.objects.exists()


def test_a_multi_level_procedure_under_general_anaesthesia_is_accepted(make_procedure):
    procedure = make_procedure(levels=["T11", "T12", "L1"], anaesthesia="general", cement_volume_ml={"T12": 3.5})

    assert procedure.pk and procedure.cement_volume_ml == {"T12": 3.5}


@pytest.mark.parametrize(
    ("typed", "stored"), [("06 12 34 56 78", "+33612345678"), ("+44 7911 123456", "+447911123456")]
)
def test_phone_numbers_are_stored_as_e164(ward_a, typed, stored):
    patient = Patient(
        mrn="X1", given_name="A", family_name="B", birth_date=dt.date(1950, 1, 1), ward=ward_a, phone=typed
    )
    patient.full_clean()

    assert patient.phone == stored


def test_an_invalid_phone_number_is_refused(ward_a):
    patient = Patient(
        mrn="X1", given_name="A", family_name="B", birth_date=dt.date(1950, 1, 1), ward=ward_a, phone="12"
    )

    with pytest.raises(ValidationError) as refused:
        patient.full_clean()
    assert "valid phone number" in refused_fields(refused)["phone"][0]


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", "Factory", "posixrules", "right/UTC", "posix/UTC"])
def test_a_ward_needs_an_iana_time_zone_of_a_place(db, zone):
    with pytest.raises(ValidationError) as refused:
        Ward(name="Ward C", timezone=zone).full_clean()

    assert "IANA time zone" in refused_fields(refused)["timezone"][0]


@pytest.mark.parametrize("zone", ["Europe/Paris", "UTC", "America/Port-au-Prince", "Etc/GMT+3"])
def test_a_place_s_time_zone_is_accepted(db, zone):
    Ward(name="Ward C", timezone=zone).full_clean()


def test_a_nurse_sees_only_her_wards_patients_and_procedures(procedure, nurse_a, nurse_b, admin_user):
    assert list(Patient.objects.visible_to(nurse_a)) == [procedure.patient]
    assert not Patient.objects.visible_to(nurse_b).exists()
    assert not Procedure.objects.visible_to(nurse_b).exists()
    assert list(Procedure.objects.visible_to(admin_user)) == [procedure]
