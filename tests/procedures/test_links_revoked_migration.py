"""The migration that drops Patient.links_revoked_at honours a time set on it once: the links issued
before it are revoked, the later ones still open."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

NOW = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)
BEFORE = ("procedures", "0019_publish_default_protocol_v2")
AFTER = ("procedures", "0020_remove_patient_links_revoked_at")


def models_at(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    targets = [target, *executor.loader.graph.leaf_nodes("notifications")]
    executor.migrate(targets)
    apps = executor.loader.project_state(targets).apps
    return apps.get_model("procedures", "Patient"), apps.get_model("notifications", "PatientLink")


@pytest.mark.django_db(transaction=True)
def test_links_issued_before_the_time_set_on_the_patient_are_revoked(patient):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old_patient, old_link = models_at(BEFORE)
        for key, hours_ago in [("older", 5), ("newer", 1)]:
            issued_at = NOW - dt.timedelta(hours=hours_ago)
            old_link.objects.create(
                key=key, patient_id=patient.pk, issued_at=issued_at, expires_at=issued_at + dt.timedelta(days=30)
            )
        old_patient.objects.filter(pk=patient.pk).update(links_revoked_at=NOW - dt.timedelta(hours=3))

        _, link = models_at(AFTER)

        assert dict(link.objects.values_list("key", "revoked_at")) == {
            "older": NOW - dt.timedelta(hours=3),
            "newer": None,
        }
    finally:
        MigrationExecutor(connection).migrate(latest)
