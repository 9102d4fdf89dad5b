"""The recovery checks reach the patient: a message with her link when a check is due, one reminder 2 days
later if she has not answered, nothing once the check is answered, missed or her consent withdrawn."""

import datetime as dt
import re

import pytest

from notifications.content import content_for
from notifications.dispatch import claim_due
from notifications.models import Reminder
from notifications.outbox import sync_reminders
from procedures.models import Milestone, Patient, Protocol, ProtocolStep
from procedures.questionnaires import record_response
from procedures.timeline import record_event

INJECTED = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)  # 09:00 in Paris
# The 1-week check: 17 February at 10:00 in Paris (09:00 UTC); its window opens 3 days before.
ONE_WEEK = dt.datetime(2026, 2, 17, 9, 0, tzinfo=dt.UTC)
TWO_DAYS = dt.timedelta(days=2)
SEC = dt.timedelta(seconds=1)
GOOD = {"pain_rest": 3, "pain_activity": 4, "analgesics": "occasionally", "mobility": "outdoors", "falls": False}
CHECKS = ["prom_1w", "prom_1m", "prom_3m", "prom_6m", "prom_12m"]


NOW = INJECTED  # the shared clock (tests/conftest.py) stops here
pytestmark = pytest.mark.usefixtures("clock")


def patient_messages(procedure, code: str) -> dict[str, Reminder]:
    reminders = Reminder.objects.filter(milestone__procedure=procedure, milestone__step__code=code)
    return {reminder.key.rsplit(":", 1)[-1]: reminder for reminder in reminders.filter(recipient_patient__isnull=False)}


def answer(procedure, code: str) -> None:
    milestone = procedure.milestones.get(step__code=code)
    record_response(
        procedure=procedure, questionnaire=milestone.step.questionnaire, answers=GOOD, source="patient",
        authored_at=dt.datetime.now(dt.UTC), milestone=milestone,
    )  # fmt: skip


def test_new_procedures_follow_the_published_version_with_the_checks(injected):
    assert injected.protocol == Protocol.objects.current("vertebral-augmentation")
    assert set(CHECKS) <= set(injected.milestones.values_list("step__code", flat=True))


def test_each_check_asks_when_it_is_due_and_reminds_2_days_later_by_sms(injected):
    for code in CHECKS:
        milestone = injected.milestones.get(step__code=code)
        messages = patient_messages(injected, code)

        assert set(messages) == {"due", "reminder"}, code
        assert messages["due"].due_at == milestone.due_at, code
        assert messages["reminder"].due_at == milestone.due_at + TWO_DAYS, code
        assert {m.message_key for m in messages.values()} == {"questionnaire", "questionnaire_reminder"}
        assert {m.channel for m in messages.values()} == {"sms"}
    assert patient_messages(injected, "prom_1w")["due"].due_at == ONE_WEEK
    # The check before the procedure is the ward's: the patient gets nothing for it.
    assert patient_messages(injected, "prom_baseline") == {}


def test_never_early_and_exactly_once(injected, nurse_a):
    due = patient_messages(injected, "prom_1w")["due"]

    assert due.pk not in dict(claim_due(ONE_WEEK - SEC))  # window open since the 14th: still not sent
    # The timeline planned again (a corrected cement time, the same day at 10:00): still one of each.
    count = Reminder.objects.count()
    record_event(procedure=injected, kind="cement_injected", at=INJECTED - dt.timedelta(minutes=5), by=nurse_a)
    sync_reminders(injected, INJECTED)
    assert Reminder.objects.count() == count
    assert patient_messages(injected, "prom_1w")["due"].due_at == ONE_WEEK

    assert due.pk in dict(claim_due(ONE_WEEK))


def test_quiet_hours_hold_both_messages(make_procedure, nurse_a, ward_a):
    ward_a.quiet_hours_start, ward_a.quiet_hours_end = dt.time(9, 0), dt.time(11, 30)
    ward_a.save()
    procedure = make_procedure()
    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)

    messages = patient_messages(procedure, "prom_1w")

    # 10:00 in Paris is in the ward's quiet hours: held until 11:30 (10:30 UTC).
    assert messages["due"].due_at == ONE_WEEK + dt.timedelta(minutes=90)
    assert messages["reminder"].due_at == ONE_WEEK + TWO_DAYS + dt.timedelta(minutes=90)


def test_by_e_mail_without_a_mobile_number(make_procedure, nurse_a, patient):
    patient.phone, patient.email = "", "jeanne@example.org"
    patient.save()
    procedure = make_procedure()
    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)

    assert {m.channel for m in patient_messages(procedure, "prom_1w").values()} == {"email"}


def test_answering_cancels_the_reminder(injected, clock):
    clock.move_to(ONE_WEEK + dt.timedelta(hours=3))

    answer(injected, "prom_1w")

    messages = patient_messages(injected, "prom_1w")
    assert messages["reminder"].status == Reminder.Status.CANCELLED
    assert patient_messages(injected, "prom_1m")["reminder"].status == Reminder.Status.SCHEDULED


def test_withdrawn_consent_cancels_the_reminder(injected, patient, clock):
    clock.move_to(ONE_WEEK + dt.timedelta(hours=3))

    patient.messaging_consent = False
    patient.save()

    assert patient_messages(injected, "prom_1w")["reminder"].status == Reminder.Status.CANCELLED


def test_a_check_already_missed_when_planned_sends_nothing(make_procedure, nurse_a, clock):
    """The cement time entered late: the 1-week check has closed already, the 1-month one has not."""
    procedure = make_procedure()
    clock.move_to(INJECTED + dt.timedelta(days=15))

    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)

    one_week = procedure.milestones.get(step__code="prom_1w")
    assert one_week.status_at(dt.datetime.now(dt.UTC)) == Milestone.Status.MISSED
    assert patient_messages(procedure, "prom_1w") == {}
    assert set(patient_messages(procedure, "prom_1m")) == {"due", "reminder"}


def test_a_reminder_that_would_come_after_the_window_closes_is_cancelled(make_procedure, nurse_a, clock):
    """A site's check that closes a day after it is due: the reminder 2 days later is never sent."""
    draft = Protocol.objects.current("vertebral-augmentation").new_draft()
    ProtocolStep.objects.filter(protocol=draft, code="prom_1w").update(window_closes_after=dt.timedelta(days=1))
    draft.publish()
    procedure = make_procedure(protocol=draft)

    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)

    assert set(patient_messages(procedure, "prom_1w")) == {"due"}
    # The cement time corrected later: the step moves, its planned messages stay planned before it closes.
    record_event(procedure=procedure, kind="cement_injected", at=INJECTED - dt.timedelta(hours=1), by=nurse_a)
    assert set(patient_messages(procedure, "prom_1w")) == {"due"}


def test_a_reminder_planned_before_the_window_was_shortened_by_a_move_is_cancelled(injected, clock):
    milestone = injected.milestones.get(step__code="prom_1w")
    Milestone.objects.filter(pk=milestone.pk).update(closes_at=milestone.due_at + dt.timedelta(days=1))

    sync_reminders(injected, INJECTED)

    messages = patient_messages(injected, "prom_1w")
    assert messages["reminder"].status == Reminder.Status.CANCELLED
    assert messages["due"].status == Reminder.Status.SCHEDULED


@pytest.mark.parametrize(
    ("language", "ask", "remind"),
    [
        ("fr", "quelques questions sur votre rétablissement", "nous n’avons pas encore reçu vos réponses"),
        ("en", "a few questions on your recovery", "we have not yet received your answers"),
    ],
)
def test_the_messages_are_in_her_language_with_her_link_and_nothing_clinical(injected, patient, language, ask, remind):
    patient.language = language
    patient.save()
    messages = patient_messages(injected, "prom_1w")

    asked, reminded = content_for(messages["due"]), content_for(messages["reminder"])

    assert ask in asked.sms and remind in reminded.sms
    for content in (asked, reminded):
        assert "http://127.0.0.1:8000/p/" in content.sms and "/p/" in content.html
        assert "Jeanne" in content.sms
        words = re.sub(r"https?://\S+", "", content.sms).lower()  # the link's random key may hold "l1"
        for private in ("Martin", "L1", "MRN", "vertebro", "osteopor", "fracture"):
            assert private.lower() not in words


def test_english_subject_of_the_reminder(injected, patient):
    patient.language = Patient.Language.ENGLISH
    patient.save()

    assert content_for(patient_messages(injected, "prom_1w")["reminder"]).subject == (
        "Reminder: a few questions on your recovery"
    )
