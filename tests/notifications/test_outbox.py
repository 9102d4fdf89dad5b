"""The outbox follows the milestones; claims are atomic; deliveries settle once; staff chains escalate."""

import datetime as dt
import uuid

import pytest

from notifications.channels import Transport
from notifications.delivery import deliver, deliver_batch
from notifications.dispatch import LEASE, backoff, claim_due
from notifications.escalation import acknowledge, escalate_due
from notifications.models import OnCall, Reminder
from procedures.models import Staff
from procedures.timeline import complete_milestone, record_event

pytestmark = pytest.mark.usefixtures("clock")

INJECTED = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)
NOW = INJECTED  # where the clock stops (tests/conftest.py)
MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)
# What the patient is sent once the cement is injected, with the default protocol (version 2): "may stand",
# the follow-up X-ray and three reviews twice each (the day before, the morning), and each of the five
# recovery checks twice (when due, and a reminder 2 days later).
PATIENT_MESSAGES = 1 + 2 * 4 + 2 * 5


def reminder(procedure, code: str, recipient: str = "nurse") -> Reminder:
    return Reminder.objects.get(milestone__procedure=procedure, milestone__step__code=code, key__contains=recipient)


def test_each_milestone_gets_its_reminders_when_its_anchor_is_recorded(injected, patient):
    planned = {
        (code, channel, key.rsplit(":", 1)[-1]): due
        for code, channel, key, due in Reminder.objects.values_list("milestone__step__code", "channel", "key", "due_at")
    }

    assert planned[("cement_hardened", "inapp", "inapp")] == INJECTED + 10 * MIN
    assert planned[("may_stand", "inapp", "inapp")] == INJECTED + dt.timedelta(hours=12)
    assert planned[("xray_control", "inapp", "inapp")] == INJECTED + dt.timedelta(hours=24)
    # The patient's copy of "may stand" (21:00 in Paris) falls in quiet hours: held until 08:00.
    assert planned[("may_stand", "sms", "due")] == dt.datetime(2026, 2, 11, 7, 0, tzinfo=dt.UTC)
    # Follow-up X-ray on 10 March at 10:00 CET: the day before, and on the morning at 08:00.
    assert planned[("xray_followup_1m", "sms", "day_before")] == dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.UTC)
    assert planned[("xray_followup_1m", "sms", "morning")] == dt.datetime(2026, 3, 10, 7, 0, tzinfo=dt.UTC)
    # The 1-week recovery check on 17 February at 10:00 CET, and its reminder 2 days later.
    assert planned[("prom_1w", "sms", "due")] == dt.datetime(2026, 2, 17, 9, 0, tzinfo=dt.UTC)
    assert planned[("prom_1w", "sms", "reminder")] == dt.datetime(2026, 2, 19, 9, 0, tzinfo=dt.UTC)
    # Staff: 3 (the check before the procedure closed on 1 January, long before: nothing for it).
    assert len(planned) == 3 + PATIENT_MESSAGES
    assert Reminder.objects.filter(recipient_patient=patient).count() == PATIENT_MESSAGES


def test_without_consent_the_patient_gets_no_message(make_procedure, patient, nurse_a):
    patient.messaging_consent = False
    patient.save()

    record_event(procedure=make_procedure(), kind="cement_injected", at=INJECTED, by=nurse_a)

    assert not Reminder.objects.filter(recipient_patient=patient).exists()


def test_recording_again_creates_nothing_twice(injected, nurse_a):
    count = Reminder.objects.count()

    record_event(procedure=injected, kind="cement_injected", at=INJECTED - MIN, by=nurse_a)

    assert Reminder.objects.count() == count
    assert reminder(injected, "cement_hardened").due_at == INJECTED + 9 * MIN


def test_a_completed_milestone_cancels_its_unsent_reminders(injected, nurse_a, clock):
    clock.move_to(INJECTED + 9 * MIN)

    complete_milestone(milestone=injected.milestones.get(step__code="cement_hardened"), by=nurse_a)

    assert reminder(injected, "cement_hardened").status == "cancelled"
    assert claim_due(INJECTED + 11 * MIN) == []


def test_a_cancelled_procedure_cancels_every_unsent_reminder(injected, nurse_a):
    record_event(procedure=injected, kind="cancelled", at=INJECTED, by=nurse_a)

    assert set(Reminder.objects.values_list("status", flat=True)) == {"cancelled"}


def test_nothing_is_claimed_before_it_is_due(injected):
    assert claim_due(INJECTED + 10 * MIN - dt.timedelta(microseconds=1)) == []
    assert [pk for pk, _ in claim_due(INJECTED + 10 * MIN)] == [reminder(injected, "cement_hardened").pk]


def test_a_claimed_reminder_is_not_claimed_again_until_its_lease_runs_out(injected):
    now = INJECTED + 10 * MIN
    (first,) = claim_due(now)

    assert claim_due(now + LEASE - dt.timedelta(seconds=1)) == []
    (again,) = claim_due(now + LEASE + dt.timedelta(seconds=1))

    assert again[0] == first[0] and again[1] != first[1]
    assert Reminder.objects.get(pk=first[0]).attempts == 0  # a lease that ran out in the queue sent nothing
    deliver(*again, now=now + LEASE + dt.timedelta(seconds=1))
    assert Reminder.objects.get(pk=first[0]).attempts == 1


def test_a_delivery_settles_once_and_a_stale_lease_cannot_settle(injected):
    now = INJECTED + 10 * MIN
    ((pk, old_token),) = claim_due(now)
    ((_, new_token),) = claim_due(now + LEASE + dt.timedelta(seconds=1))

    assert deliver(pk, old_token, now=now) == "not held"
    assert deliver(pk, new_token, now=now) == "sent"
    assert deliver(pk, new_token) == "not held"
    sent = Reminder.objects.get(pk=pk)
    assert (sent.status, sent.escalate_at) == ("sent", now + 5 * MIN)


def test_a_batch_is_loaded_renewed_and_settled_in_a_few_queries_and_skips_what_it_no_longer_holds(
    procedure, settings, django_assert_max_num_queries
):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "inapp": "tests.notifications.test_outbox.Numbered"
    }
    rows = Reminder.objects.bulk_create(
        Reminder(key=f"batch:{i}", ward=procedure.patient.ward, procedure=procedure, recipient_role="nurse",
                 channel="inapp", message_key="test", due_at=INJECTED, acknowledge_within=5 * MIN if i == 0 else None)
        for i in range(20)
    )  # fmt: skip
    claimed = claim_due(INJECTED)
    token = claimed[0][1]
    taken_over = rows[-1].pk  # its lease ran out and another dispatcher claimed it again
    Reminder.objects.filter(pk=taken_over).update(lease_token=uuid.uuid4())

    with django_assert_max_num_queries(6):  # not a query or two per reminder
        outcomes = deliver_batch([pk for pk, _ in claimed], token, now=INJECTED + SEC)

    assert outcomes == {row.pk: "sent" for row in rows[:-1]}
    sent = {r.pk: r for r in Reminder.objects.filter(status="sent")}
    assert set(sent) == set(outcomes)
    assert {r.provider_message_id for r in sent.values()} == {f"n-{pk}" for pk in outcomes}
    assert (sent[rows[0].pk].escalate_at, sent[rows[1].pk].escalate_at) == (INJECTED + SEC + 5 * MIN, None)
    assert {r.sent_at for r in sent.values()} == {INJECTED + SEC}
    assert Reminder.objects.get(pk=taken_over).status == "sending"


class Numbered(Transport):
    external = False  # like the ward inbox: settled together

    def send(self, reminder) -> str:
        return f"n-{reminder.pk}"


def test_a_slow_batch_holds_the_rest_again_and_skips_one_claimed_again_meanwhile(procedure, settings, monkeypatch):
    settings.NOTIFICATION_TRANSPORTS = settings.NOTIFICATION_TRANSPORTS | {
        "inapp": "tests.notifications.test_outbox.Slow"
    }
    monkeypatch.setattr("notifications.delivery.LEASE", dt.timedelta(0))  # every send outlasts half of it
    first, second, third = Reminder.objects.bulk_create(
        Reminder(key=f"slow:{i}", ward=procedure.patient.ward, procedure=procedure, recipient_role="nurse",
                 channel="inapp", message_key="test", due_at=INJECTED)
        for i in range(3)
    )  # fmt: skip
    ((_, token), *_) = claimed = claim_due(INJECTED)
    Slow.sent = []

    outcomes = deliver_batch([pk for pk, _ in claimed], token, now=INJECTED)

    assert Slow.sent == [first.pk, third.pk]  # the second was claimed again while the first was being sent
    assert outcomes == {first.pk: "sent", third.pk: "sent"}
    assert Reminder.objects.get(pk=second.pk).status == "sending"  # the other dispatcher's to send


class Slow(Transport):
    sent: list[int] = []

    def send(self, reminder) -> str:
        if not self.sent:  # meanwhile the second's lease ran out and another dispatcher claimed it
            Reminder.objects.filter(key="slow:1").update(lease_token=uuid.uuid4())
        self.sent.append(reminder.pk)
        return ""


@pytest.mark.parametrize(
    ("staff", "ceilings"),
    [(False, [(1, 30), (2, 60), (3, 120), (5, 300), (10, 300)]), (True, [(1, 5), (2, 10), (4, 40), (5, 60), (10, 60)])],
)
def test_backoff_doubles_with_jitter_and_is_capped_short_for_staff(staff, ceilings):
    for attempts, ceiling in ceilings:
        wait = backoff(attempts, staff=staff).total_seconds()
        assert ceiling * 0.75 <= wait <= ceiling


@pytest.fixture
def sent_hardened(injected, clock):
    now = INJECTED + 10 * MIN
    clock.move_to(now)
    ((pk, token),) = claim_due(now)
    deliver(pk, token, now=now)
    return Reminder.objects.get(pk=pk)


@pytest.fixture
def doctor_on_call(ward_a) -> Staff:
    doctor = Staff.objects.create_user("dave", email="dave@example.org", role=Staff.Role.DOCTOR)
    OnCall.objects.create(ward=ward_a, doctor=doctor, starts_at=INJECTED - dt.timedelta(hours=8),
                          ends_at=INJECTED + dt.timedelta(hours=8))  # fmt: skip
    return doctor


def escalations():
    return sorted(Reminder.objects.filter(kind="escalation").values_list("escalation_level", "recipient", "channel"))


def test_an_unacknowledged_reminder_escalates_to_the_charge_nurse_then_the_doctor_on_call(
    sent_hardened, charge_nurse, doctor_on_call, clock
):
    assert escalate_due(INJECTED + 15 * MIN - dt.timedelta(seconds=1)) == 0
    assert escalate_due(INJECTED + 15 * MIN) == 1
    level_1 = Reminder.objects.get(kind="escalation", recipient_role="charge_nurse")
    ((pk, token), *_) = claim_due(INJECTED + 15 * MIN)
    for claimed_pk, claimed_token in [(pk, token), *_]:
        deliver(claimed_pk, claimed_token, now=INJECTED + 15 * MIN)
    assert escalate_due(INJECTED + 20 * MIN) == 1

    rows = list(Reminder.objects.filter(kind="escalation").order_by("escalation_level", "id"))
    assert [(r.escalation_level, r.recipient_role or r.recipient_staff.username, r.channel) for r in rows] == [
        (1, "charge_nurse", "inapp"), (1, "carol", "email"), (2, "dave", "inapp"), (2, "dave", "email"),
    ]  # fmt: skip
    assert {r.escalates_id for r in rows} == {sent_hardened.pk} and level_1.pk


def test_nothing_escalates_twice(sent_hardened, charge_nurse):
    escalate_due(INJECTED + 15 * MIN)
    escalate_due(INJECTED + 15 * MIN)

    assert Reminder.objects.filter(kind="escalation").count() == 2  # charge nurses' inbox and carol's e-mail


def test_acknowledging_stops_the_chain(sent_hardened, charge_nurse, nurse_a):
    escalate_due(INJECTED + 15 * MIN)
    level_1 = Reminder.objects.get(kind="escalation", recipient_role="charge_nurse")

    acknowledge(reminder=level_1, by=nurse_a, now=INJECTED + 16 * MIN)
    for pk, token in claim_due(INJECTED + 16 * MIN):
        deliver(pk, token, now=INJECTED + 16 * MIN)

    assert escalate_due(INJECTED + 60 * MIN) == 0
    sent_hardened.refresh_from_db()
    assert (sent_hardened.acknowledged_by, sent_hardened.acknowledged_at) == (nurse_a, INJECTED + 16 * MIN)


def test_completing_the_milestone_answers_its_sent_reminder(sent_hardened, nurse_a):
    complete_milestone(milestone=sent_hardened.milestone, by=nurse_a)

    assert escalate_due(INJECTED + 60 * MIN) == 0
    sent_hardened.refresh_from_db()
    assert sent_hardened.acknowledged_by == nurse_a


def test_a_worker_starting_late_gets_a_whole_lease_and_an_expired_one_gets_nothing(injected):
    now = INJECTED + 10 * MIN
    ((pk, token),) = claim_due(now)

    assert deliver(pk, token, now=now + LEASE + dt.timedelta(seconds=1)) == "not held"  # its lease ran out queued
    ((pk, token),) = claim_due(now + LEASE + dt.timedelta(seconds=1))
    started = now + LEASE + dt.timedelta(seconds=1) + LEASE - dt.timedelta(seconds=1)  # just before it runs out
    assert deliver(pk, token, now=started) == "sent"


def test_withdrawn_consent_cancels_every_unsent_patient_message(injected, patient):
    from notifications.outbox import cancel_patient_reminders

    cancelled = cancel_patient_reminders(patient)

    assert cancelled == PATIENT_MESSAGES
    assert set(Reminder.objects.filter(recipient_patient=patient).values_list("status", flat=True)) == {"cancelled"}
    assert Reminder.objects.filter(recipient_role="nurse", status="scheduled").count() == 3


def test_consent_withdrawn_after_the_claim_cancels_the_message_at_send_time(injected, patient, clock):
    clock.move_to(dt.datetime(2026, 2, 11, 7, 0, tzinfo=dt.UTC))  # the patient's "may stand", held until 08:00
    claimed = dict(claim_due(dt.datetime(2026, 2, 11, 7, 0, tzinfo=dt.UTC)))
    stand = reminder(injected, "may_stand", recipient="patient")
    type(patient).objects.filter(pk=patient.pk).update(messaging_consent=False)  # by another process, meanwhile

    assert deliver(stand.pk, claimed[stand.pk], now=dt.datetime(2026, 2, 11, 7, 0, tzinfo=dt.UTC)) == "cancelled"
    stand.refresh_from_db()
    assert (stand.status, stand.sent_at, stand.last_error) == (
        "cancelled", None, "The patient no longer consents to messages.",
    )  # fmt: skip


def test_consent_withdrawn_on_the_record_cancels_and_given_again_brings_back_what_is_still_to_come(
    injected, patient, clock
):
    patient_messages = Reminder.objects.filter(recipient_patient=patient)
    patient.messaging_consent = False
    patient.save()
    assert set(patient_messages.values_list("status", flat=True)) == {"cancelled"}

    clock.move_to(dt.datetime(2026, 2, 12, 8, 0, tzinfo=dt.UTC))  # "may stand" (11th, 08:00 local) is past
    patient.messaging_consent = True
    patient.save()

    scheduled = set(patient_messages.filter(status="scheduled").values_list("milestone__step__code", flat=True))
    assert "may_stand" not in scheduled and "xray_followup_1m" in scheduled
    assert patient_messages.get(milestone__step__code="may_stand").status == "cancelled"


def test_a_new_phone_number_moves_messages_from_email_to_sms(injected, patient):
    patient.phone, patient.email = "", "jeanne@example.org"
    patient.save()
    assert set(
        Reminder.objects.filter(recipient_patient=patient, status="scheduled").values_list("channel", flat=True)
    ) == {"email"}

    patient.phone = "+33612345679"
    patient.save()

    scheduled = Reminder.objects.filter(recipient_patient=patient, status="scheduled")
    assert set(scheduled.values_list("channel", flat=True)) == {"sms"} and scheduled.count() == PATIENT_MESSAGES


def test_a_ward_that_changes_its_quiet_hours_moves_the_messages_not_yet_sent(injected, patient, ward_a):
    stand = reminder(injected, "may_stand", recipient="patient")
    assert stand.due_at == dt.datetime(2026, 2, 11, 7, 0, tzinfo=dt.UTC)  # 08:00 in Paris, the default

    ward_a.quiet_hours_start, ward_a.quiet_hours_end = dt.time(22, 0), dt.time(7, 0)
    ward_a.save()

    stand.refresh_from_db()
    assert stand.due_at == dt.datetime(2026, 2, 10, 20, 0, tzinfo=dt.UTC)  # 21:00 in Paris is no longer quiet
    ward_a.quiet_hours_start = dt.time(20, 30)
    ward_a.save()
    stand.refresh_from_db()
    assert stand.due_at == dt.datetime(2026, 2, 11, 6, 0, tzinfo=dt.UTC)  # held until 07:00 Paris


def test_staff_with_a_mobile_number_are_also_texted_when_a_chain_reaches_them(
    sent_hardened, charge_nurse, doctor_on_call, twilio_api
):
    Staff.objects.filter(pk__in=[charge_nurse.pk, doctor_on_call.pk]).update(phone="+33611111111")
    escalate_due(INJECTED + 15 * MIN)
    texted = Reminder.objects.get(kind="escalation", channel="sms")
    deliver(*next((pk, t) for pk, t in claim_due(INJECTED + 15 * MIN) if pk == texted.pk), now=INJECTED + 15 * MIN)

    (sms,) = twilio_api.received
    assert sms["To"] == "+33611111111"
    assert sms["Body"] == "Not acknowledged: Cement hardened due 09:10, bed 12, Ward A (spine)."


def test_staff_messages_are_sent_in_the_ward_s_language(sent_hardened, charge_nurse, ward_a, twilio_api):
    ward_a.language = "fr"
    ward_a.save()
    Staff.objects.filter(pk=charge_nurse.pk).update(phone="+33611111111")
    escalate_due(INJECTED + 15 * MIN)
    texted = Reminder.objects.get(kind="escalation", channel="sms")
    deliver(*next((pk, t) for pk, t in claim_due(INJECTED + 15 * MIN) if pk == texted.pk), now=INJECTED + 15 * MIN)

    (sms,) = twilio_api.received
    assert sms["Body"] == "Non pris en compte : Ciment durci prévu à 09:10, lit 12, Ward A (spine)."
