"""The delivery benchmark's core, small: 100 reminders through real workers, beat, Redis and PostgreSQL."""

import pytest

from benchmarks.delivery import run_outbox
from tests.conftest import reload_default_protocol

pytestmark = pytest.mark.integration


def test_it_delivers_every_reminder_exactly_once(transactional_db):
    reload_default_protocol()

    row = run_outbox(count=100, burst=0, window=3)

    assert row["reminders"] == 100
    assert row["duplicates"] == 0
    assert row["losses"] == 0
    assert row["delivered"] == 100
