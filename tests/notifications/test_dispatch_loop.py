"""The dispatch loop: one at a time across beats and hosts; claims given back when the broker is away."""

import datetime as dt

import psycopg
from django.db import connection
from django.utils import timezone

from notifications.dispatch import claim_due, release_claims
from notifications.dispatch_lock import DISPATCH_LOCK_KEY
from notifications.models import Heartbeat, Reminder
from notifications.tasks import dispatch
from tests.factories import make_reminder

SEC = dt.timedelta(seconds=1)


def test_only_one_dispatch_loop_runs_at_a_time(db, procedure):
    make_reminder(procedure, "health:1", channel="sms", due_at=timezone.now() - SEC)
    other = psycopg.connect(dbname=connection.settings_dict["NAME"], host="127.0.0.1", user="postgres",
                            autocommit=True)  # fmt: skip
    try:
        other.execute("SELECT pg_advisory_lock(%s)", [DISPATCH_LOCK_KEY])  # another dispatcher's loop

        assert dispatch.run() == 0
        assert not Heartbeat.objects.filter(name="dispatch").exists()
        assert Reminder.objects.get().status == "scheduled"
        other.execute("SELECT pg_advisory_unlock(%s)", [DISPATCH_LOCK_KEY])
    finally:
        other.close()

    assert dispatch.run() == 1
    assert Reminder.objects.get().claims == 1
    assert Heartbeat.objects.filter(name="dispatch").exists()


def test_claims_never_handed_out_go_back_to_scheduled_at_their_due_time(db, procedure):
    due = timezone.now() - SEC
    reminder = make_reminder(procedure, "health:1", channel="sms", due_at=due)
    claimed = claim_due(timezone.now())

    assert release_claims([(reminder.pk, "00000000-0000-0000-0000-000000000000")]) == 0  # not its token
    assert release_claims(claimed) == 1

    reminder.refresh_from_db()
    assert (reminder.status, reminder.due_at, reminder.lease_until, reminder.lease_token) == (
        "scheduled",
        due,
        None,
        None,
    )
    assert [pk for pk, _ in claim_due(timezone.now())] == [reminder.pk]  # claimed again at the next pass
