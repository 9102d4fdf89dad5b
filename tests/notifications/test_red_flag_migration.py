"""The migration that moved the red flag of alerts out of `message_key` into a field of its own, both ways."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

NOW = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)


def migrations_around() -> tuple[tuple[str, str], tuple[str, str]]:
    """The red-flag migration and the one before it, whatever number they end up with."""
    graph = MigrationExecutor(connection).loader.graph
    [after] = [node for node in graph.nodes if node[0] == "notifications" and node[1].endswith("_reminder_red_flag")]
    [before] = graph.node_map[after].parents
    return before.key, after


def reminders_at(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps.get_model("notifications", "Reminder")


@pytest.mark.django_db(transaction=True)
def test_the_red_flag_moves_to_its_field_and_back(procedure):
    before, after = migrations_around()
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes("notifications")
    try:
        old = reminders_at(before)
        common = {"ward_id": procedure.patient.ward_id, "procedure_id": procedure.pk, "due_at": NOW}
        alert = old.objects.create(
            key="alert:1", kind="alert", recipient_role="nurse", channel="inapp", message_key="neuro_deficit", **common
        )
        escalation = {"kind": "escalation", "escalates": alert, "escalation_level": 1, "recipient_role": "charge_nurse"}
        old.objects.create(key="escalation:1", channel="inapp", message_key="neuro_deficit", **escalation, **common)
        old.objects.create(
            key="reply:1", kind="reply", recipient_role="nurse", channel="inapp", message_key="patient_reply", **common
        )

        new = reminders_at(after)
        moved = dict(new.objects.values_list("key", "red_flag"))
        keys = dict(new.objects.values_list("key", "message_key"))
        assert moved == {"alert:1": "neuro_deficit", "escalation:1": "neuro_deficit", "reply:1": ""}
        assert keys == {"alert:1": "red_flag", "escalation:1": "red_flag", "reply:1": "patient_reply"}

        back = reminders_at(before)
        assert dict(back.objects.values_list("key", "message_key")) == {
            "alert:1": "neuro_deficit",
            "escalation:1": "neuro_deficit",
            "reply:1": "patient_reply",
        }
    finally:
        MigrationExecutor(connection).migrate(latest)
