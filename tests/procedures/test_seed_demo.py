import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from notifications.models import Reminder
from procedures.models import Milestone, Patient, Procedure, QuestionnaireResponse, Staff


def seed(*args) -> None:
    call_command("seed_demo", *args, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_demo_ward_has_patients_at_every_stage(db):
    seed()

    statuses = set(Procedure.objects.values_list("status", flat=True))
    assert statuses == {"scheduled", "in_progress", "recovering", "discharged"}
    now = timezone.now()
    milestones = Milestone.objects.with_status(now)
    stand = milestones.filter(step__code="may_stand")
    assert {m.current_status for m in stand} >= {"pending", "due", "completed"}
    assert milestones.filter(step__code="xray_control", current_status="due").exists()
    assert milestones.filter(step__code__startswith="pain_checkin", current_status="completed").exists()
    # The recovery checks of version 2: answered on admission by those operated on, still to come for the first.
    baseline = milestones.filter(step__code="prom_baseline")
    assert baseline.filter(current_status="completed").count() == 6
    assert baseline.get(procedure__patient__mrn="DEMO-001").current_status == "due"
    assert QuestionnaireResponse.objects.filter(milestone__in=baseline, source="staff").count() == 6
    assert milestones.filter(step__code="prom_1w", current_status="pending").exists()
    assert not milestones.filter(current_status="missed").exists()
    assert Staff.objects.filter(username="nurse", wards__name__startswith="Demo").exists()


def test_seeding_twice_changes_nothing(db):
    seed()
    before = (Patient.objects.count(), Procedure.objects.count(), Milestone.objects.count(), Staff.objects.count())

    seed()

    assert (
        Patient.objects.count(),
        Procedure.objects.count(),
        Milestone.objects.count(),
        Staff.objects.count(),
    ) == before


def test_reset_rebuilds_the_timelines_from_now(db, time_machine):
    time_machine.move_to(timezone.now() - dt.timedelta(days=3))
    seed()
    time_machine.move_to(timezone.now() + dt.timedelta(days=3))

    seed("--reset")

    just_injected = Procedure.objects.get(patient__mrn="DEMO-002")
    assert timezone.now() - just_injected.events.get(kind="cement_injected").at < dt.timedelta(minutes=10)
    assert Procedure.objects.count() == 7


def test_the_demo_patients_have_mobile_numbers_so_their_texts_show_in_the_console(db):
    seed()

    phones = dict(Patient.objects.values_list("mrn", "phone"))
    texts = Reminder.objects.filter(recipient_patient__isnull=False, channel="sms")

    assert len(phones) == 7 and all(phone.startswith("+120255501") for phone in phones.values())
    assert len(set(phones.values())) == 7
    assert texts.filter(procedure__patient__mrn="DEMO-002").exists()  # "may stand" in 12 hours
    assert not texts.filter(procedure__patient__mrn="DEMO-001").exists()  # she did not consent


def test_a_demo_ward_loaded_before_gets_the_numbers(db):
    seed()
    Patient.objects.update(phone="")

    seed()

    assert not Patient.objects.filter(phone="").exists()
