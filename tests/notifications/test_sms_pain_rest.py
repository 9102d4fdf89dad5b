"""A pain score texted while a recovery check's window is open answers that check's pain at rest."""

import datetime as dt

import pytest

from notifications.inbound.receiving import receive_reply
from notifications.models import Reminder
from procedures.models import PainScore, Protocol, ProtocolStep, Questionnaire, QuestionnaireItem
from procedures.questionnaires import record_response
from procedures.recording import record_pain_score
from procedures.timeline import record_event

INJECTED = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)
ONE_WEEK = dt.datetime(2026, 2, 17, 9, 0, tzinfo=dt.UTC)  # 10:00 in Paris; the window opens 3 days before
PHONE = "+33612345678"
GOOD = {"pain_rest": 3, "pain_activity": 4, "analgesics": "occasionally", "mobility": "outdoors", "falls": False}


NOW = INJECTED  # the shared clock (tests/conftest.py) stops here
pytestmark = pytest.mark.usefixtures("clock")


def texted(body: str, at: dt.datetime, sid: str, clock) -> None:
    clock.move_to(at)
    receive_reply(sender=PHONE, body=body, provider_message_id=sid, now=at)


def test_a_score_in_the_window_answers_pain_at_rest_and_leaves_the_check_open(injected, clock):
    at = ONE_WEEK - dt.timedelta(days=1)

    texted("6", at, "SM1", clock)

    one_week = injected.milestones.get(step__code="prom_1w")
    response = injected.responses.get()
    assert (response.milestone, response.answers, response.source, response.authored_at) == (
        one_week, {"pain_rest": 6}, "patient", at,
    )  # fmt: skip
    assert one_week.completed_at is None  # the other questions are still to be answered from her link
    assert PainScore.objects.get(procedure=injected, source="patient").score == 6  # recorded as before
    assert Reminder.objects.get(milestone=one_week, key__endswith=":reminder").status == Reminder.Status.SCHEDULED


def test_a_second_score_replaces_the_first_in_the_same_response(injected, clock):
    texted("6", ONE_WEEK - dt.timedelta(days=1), "SM1", clock)
    texted("4 sur 10", ONE_WEEK + dt.timedelta(hours=2), "SM2", clock)

    response = injected.responses.get()
    assert (response.answers, response.authored_at) == ({"pain_rest": 4}, ONE_WEEK + dt.timedelta(hours=2))
    assert [h.answers for h in response.history.order_by("history_date")] == [{"pain_rest": 6}, {"pain_rest": 4}]


def test_the_full_answers_from_her_link_complete_the_check_after_a_score(injected, clock):
    texted("6", ONE_WEEK, "SM1", clock)
    one_week = injected.milestones.get(step__code="prom_1w")

    record_response(
        procedure=injected, questionnaire=one_week.step.questionnaire, answers=GOOD, source="patient",
        authored_at=ONE_WEEK, milestone=one_week,
    )  # fmt: skip
    texted("5", ONE_WEEK + dt.timedelta(hours=1), "SM2", clock)  # the check is done: the next text changes nothing

    one_week.refresh_from_db()
    assert one_week.completed_at is not None
    assert sorted(r.answers["pain_rest"] for r in injected.responses.all()) == [3, 6]


@pytest.mark.parametrize(
    "when",
    [
        INJECTED + dt.timedelta(days=2),  # no check open: the window of the 1-week one opens on the 14th
        ONE_WEEK + dt.timedelta(days=7),  # the 1-week check closed (missed)
    ],
)
def test_outside_a_window_a_score_is_only_a_pain_score(injected, clock, when):
    texted("6", when, "SM1", clock)

    assert PainScore.objects.filter(procedure=injected, source="patient").count() == 1
    assert not injected.responses.exists()


def test_a_procedure_on_version_1_has_no_check_to_fill(make_procedure, nurse_a, clock):
    procedure = make_procedure(protocol=Protocol.objects.get(code="vertebral-augmentation", version=1))
    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)

    texted("6", ONE_WEEK, "SM1", clock)

    assert PainScore.objects.filter(procedure=procedure, source="patient").count() == 1
    assert not procedure.responses.exists()


def test_a_check_asking_only_for_pain_at_rest_is_completed_by_the_score(make_procedure, nurse_a, clock):
    short = Questionnaire.objects.create(code="pain-only", version=1, title="Pain")
    QuestionnaireItem.objects.create(
        questionnaire=short, link_id="pain_rest", text="Pain at rest", type="integer", required=True,
        min_value=0, max_value=10,
    )  # fmt: skip
    QuestionnaireItem.objects.create(questionnaire=short, link_id="comment", text="Anything else?", type="text")
    short.publish()
    draft = Protocol.objects.current("vertebral-augmentation").new_draft()
    ProtocolStep.objects.filter(protocol=draft, code="prom_1w").update(questionnaire=short)
    draft.publish()
    procedure = make_procedure(protocol=draft)
    record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)

    texted("2", ONE_WEEK, "SM1", clock)

    one_week = procedure.milestones.get(step__code="prom_1w")
    assert one_week.completed_at == ONE_WEEK and one_week.completed_by is None
    assert procedure.responses.get().answers == {"pain_rest": 2}
    assert Reminder.objects.get(milestone=one_week, key__endswith=":reminder").status == Reminder.Status.CANCELLED


def test_a_red_flag_score_alerts_once(injected, nurse_a, clock):
    record_pain_score(procedure=injected, score=3, recorded_at=INJECTED - dt.timedelta(hours=1), source="baseline",
                      by=nurse_a)  # fmt: skip

    texted("9", ONE_WEEK, "SM1", clock)

    assert injected.responses.get().answers == {"pain_rest": 9}
    alerts = Reminder.objects.filter(procedure=injected, kind=Reminder.Kind.ALERT, escalates__isnull=True)
    assert alerts.filter(recipient_role="nurse").count() == 1
