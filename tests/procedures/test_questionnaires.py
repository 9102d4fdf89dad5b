"""Questionnaires as data: the shipped recovery check, checking answers, recording a response, red flags."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from procedures.baseline import baseline_pain
from procedures.models import (
    Milestone,
    PainScore,
    Protocol,
    ProtocolStep,
    Questionnaire,
    QuestionnaireItem,
    Staff,
)
from procedures.questionnaires import read_answers, record_response
from procedures.recording import record_pain_score
from procedures.signals import red_flag_raised
from procedures.timeline import complete_milestone, record_event
from tests.conftest import NOW

pytestmark = pytest.mark.usefixtures("clock")

GOOD = {
    "pain_rest": 3, "pain_activity": 5, "analgesics": "occasionally", "mobility": "indoors", "falls": False,
    "new_symptoms": "",
}  # fmt: skip


@pytest.fixture
def recovery_check(db) -> Questionnaire:
    return Questionnaire.objects.current("recovery-check")


@pytest.fixture
def flags():
    raised = []

    def receive(sender, flag, **kwargs):
        raised.append(flag)

    red_flag_raised.connect(receive)
    yield raised
    red_flag_raised.disconnect(receive)


def answer(procedure, questionnaire, answers, **changes):
    fields = {"authored_at": NOW, "source": "patient", "by": None} | changes
    return record_response(procedure=procedure, questionnaire=questionnaire, answers=answers, **fields)


def test_the_tracker_ships_its_recovery_check_in_english_and_french(recovery_check):
    items = list(recovery_check.items.all())

    assert recovery_check.is_published
    assert [item.link_id for item in items] == [
        "pain_rest", "pain_activity", "analgesics", "mobility", "falls", "new_symptoms",
    ]  # fmt: skip
    assert [item.type for item in items] == ["integer", "integer", "choice", "choice", "boolean", "text"]
    assert recovery_check.title_in("fr") == "Point sur votre rétablissement"
    assert all(item.text_in("fr") != item.text for item in items)
    assert [option["code"] for option in items[2].options_in("fr")] == ["none", "occasionally", "every_day", "strong"]
    assert items[3].options_in("fr")[-1]["display"] == "Comme avant la fracture"


def test_answers_come_back_typed(recovery_check):
    given = {"pain_rest": "7", "pain_activity": 8, "analgesics": "strong", "mobility": "as_before", "falls": "no"}

    assert read_answers(recovery_check, given) == {
        "pain_rest": 7, "pain_activity": 8, "analgesics": "strong", "mobility": "as_before", "falls": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("given", "errors"),
    [
        ({**GOOD, "pain_rest": 11}, {"pain_rest": ["From 0 to 10."]}),
        ({**GOOD, "pain_rest": 2.5}, {"pain_rest": ["Give a whole number."]}),
        ({**GOOD, "pain_rest": True}, {"pain_rest": ["Give a number."]}),
        ({**GOOD, "pain_rest": "NaN"}, {"pain_rest": ["Give a number."]}),
        ({**GOOD, "analgesics": "aspirin"}, {"analgesics": ["One of none, occasionally, every_day, strong."]}),
        ({**GOOD, "falls": "maybe"}, {"falls": ["Yes or no."]}),
        ({**GOOD, "new_symptoms": "a\x00b"}, {"new_symptoms": ["Give text."]}),
        ({**GOOD, "mood": 3}, {"mood": ["No such question in this questionnaire."]}),
        ({"pain_rest": 3}, {key: ["This question needs an answer."] for key in list(GOOD)[1:5]}),
    ],
)
def test_bad_answers_are_refused_naming_the_question(recovery_check, given, errors):
    with pytest.raises(ValidationError) as refused:
        read_answers(recovery_check, given)

    assert refused.value.message_dict == errors


def test_answers_must_be_an_object(recovery_check):
    with pytest.raises(ValidationError) as refused:
        read_answers(recovery_check, [3, 4])

    assert "answers" in refused.value.message_dict


def test_a_decimal_item_keeps_its_decimals(db):
    questionnaire = Questionnaire.objects.create(code="weight", version=1, title="Weight")
    QuestionnaireItem.objects.create(
        questionnaire=questionnaire, link_id="kg", text="Weight (kg)", type="decimal", min_value=20, max_value=250
    )

    assert read_answers(questionnaire, {"kg": "61,5"}) == {"kg": Decimal("61.5")}


def test_a_response_is_saved_with_its_answers_and_no_flag_when_all_is_well(procedure, recovery_check, flags):
    response = answer(procedure, recovery_check, GOOD)

    response.refresh_from_db()
    assert response.answers == {key: value for key, value in GOOD.items() if key != "new_symptoms"}  # empty: unanswered
    assert response.source == "patient"
    assert flags == []


def test_pain_at_rest_above_the_baseline_is_a_red_flag(procedure, nurse_a, recovery_check, flags):
    record_pain_score(procedure=procedure, score=6, recorded_at=NOW, source=PainScore.Source.BASELINE, by=nurse_a)

    answer(procedure, recovery_check, {**GOOD, "pain_rest": 7})

    assert [flag.kind for flag in flags] == ["patient_reported"]
    assert "(baseline 6)" in flags[0].summary


def test_a_fall_and_red_flag_words_are_red_flags(procedure, recovery_check, flags):
    answer(procedure, recovery_check, {**GOOD, "falls": True, "new_symptoms": "Je ne peux plus marcher, fièvre"})

    assert len(flags) == 1
    assert "yes" in flags[0].summary
    assert "legs, fever or wound" in flags[0].summary


def test_a_flagged_answer_is_written_for_the_ward_in_each_language(procedure, recovery_check, flags):
    answer(procedure, recovery_check, {**GOOD, "falls": True})

    [flag] = flags
    assert flag.summaries["en"].startswith(recovery_check.title_in("en"))
    assert flag.summaries["fr"].startswith(recovery_check.title_in("fr"))
    assert "oui" in flag.summaries["fr"] and "yes" not in flag.summaries["fr"]
    assert recovery_check.items.get(link_id="falls").text_in("fr") in flag.summaries["fr"]


def test_the_topics_her_words_mention_are_named_in_each_language(procedure, recovery_check, flags):
    answer(procedure, recovery_check, {**GOOD, "new_symptoms": "My legs feel weak"})

    [flag] = flags
    assert flag.summaries["en"].endswith("mentions legs")
    assert flag.summaries["fr"].endswith("mentionne : jambes")


def test_the_baseline_is_pain_at_rest_answered_before_the_cement_without_a_baseline_score(
    procedure, nurse_a, recovery_check
):
    answer(procedure, recovery_check, {**GOOD, "pain_rest": 8}, authored_at=NOW - dt.timedelta(hours=2))
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(hours=1), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=50), by=nurse_a)
    answer(procedure, recovery_check, {**GOOD, "pain_rest": 2})

    assert baseline_pain(procedure) == 8


def test_nothing_is_saved_when_an_answer_is_wrong(procedure, recovery_check):
    with pytest.raises(ValidationError):
        answer(procedure, recovery_check, {**GOOD, "pain_rest": 12})

    assert procedure.responses.count() == 0


def test_a_response_from_the_future_is_refused(procedure, recovery_check):
    with pytest.raises(ValidationError) as refused:
        answer(procedure, recovery_check, GOOD, authored_at=NOW + dt.timedelta(hours=1))

    assert "authored_at" in refused.value.message_dict


@pytest.fixture
def asking_protocol(nurse_a, recovery_check) -> Protocol:
    """Version 1 of the default protocol (without the shipped checks), with a step one week after the cement
    that asks for the recovery check."""
    protocol = Protocol.objects.get(code="vertebral-augmentation", version=1).new_draft()
    ProtocolStep.objects.create(
        protocol=protocol, code="prom_1w", label="Recovery check (1 week)", anchor="cement_injected",
        offset=dt.timedelta(days=7), window_opens_before=dt.timedelta(days=3), audience="patient",
        action="The patient answers the recovery check.", records="questionnaire", questionnaire=recovery_check,
        order=99,
    )  # fmt: skip
    protocol.publish()
    return protocol


def test_answering_completes_the_step_that_asks_for_it(make_procedure, nurse_a, recovery_check, asking_protocol, clock):
    procedure = make_procedure(protocol=asking_protocol)
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=10), by=nurse_a)
    step = procedure.milestones.get(step__code="prom_1w")
    clock.move_to(NOW + dt.timedelta(days=5))

    answer(procedure, recovery_check, GOOD, milestone=step, authored_at=NOW + dt.timedelta(days=5))

    step.refresh_from_db()
    assert step.status_at(NOW + dt.timedelta(days=5)) == Milestone.Status.COMPLETED
    assert step.completed_by is None  # the patient answered, not a nurse


def test_a_step_that_asks_for_answers_is_not_completed_by_a_bare_done(make_procedure, nurse_a, asking_protocol, clock):
    procedure = make_procedure(protocol=asking_protocol)
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=10), by=nurse_a)
    clock.move_to(NOW + dt.timedelta(days=5))

    with pytest.raises(ValidationError) as refused:
        complete_milestone(milestone=procedure.milestones.get(step__code="prom_1w"), by=nurse_a)

    assert "completed by its answers" in str(refused.value)


def test_a_step_names_a_questionnaire_exactly_when_it_records_one(recovery_check):
    protocol = Protocol.objects.create(code="draft", version=1, name="Draft")
    step = ProtocolStep(
        protocol=protocol, code="q", label="Q", anchor="cement_injected", offset=dt.timedelta(0),
        audience="patient", action="-", records="questionnaire",
    )  # fmt: skip

    with pytest.raises(ValidationError) as refused:
        step.clean()

    assert "questionnaire" in refused.value.message_dict


def test_a_published_questionnaire_cannot_change(recovery_check):
    item = recovery_check.items.first()

    with pytest.raises(ValidationError):
        item.clean()


def test_a_new_version_copies_the_items_as_a_draft(recovery_check):
    draft = recovery_check.new_draft()

    assert (draft.version, draft.is_published) == (2, False)
    assert list(draft.items.values_list("link_id", flat=True)) == list(
        recovery_check.items.values_list("link_id", flat=True)
    )
    assert Questionnaire.objects.current("recovery-check") == recovery_check


@pytest.fixture
def manager(db, client):
    user = Staff.objects.create_superuser("manager", "manager@example.org", "manager-password")
    client.force_login(user)
    return user


def test_the_admin_shows_a_published_questionnaire_read_only_and_never_deletes_it(client, manager, recovery_check):
    page = client.get(f"/admin/procedures/questionnaire/{recovery_check.pk}/change/")
    deleting = client.post(f"/admin/procedures/questionnaire/{recovery_check.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert "pain_activity" in page.content.decode()
    assert 'name="items-0-text"' not in page.content.decode()
    assert deleting.status_code == 403
    assert Questionnaire.objects.filter(pk=recovery_check.pk).exists()


def test_the_admin_makes_a_new_draft_version_whose_items_can_be_edited(client, manager, recovery_check):
    client.post(
        "/admin/procedures/questionnaire/",
        {"action": "new_version", "_selected_action": [recovery_check.pk]},
    )
    draft = Questionnaire.objects.get(code="recovery-check", version=2)

    page = client.get(f"/admin/procedures/questionnaire/{draft.pk}/change/")

    assert 'name="items-0-text"' in page.content.decode()
