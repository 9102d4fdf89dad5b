"""Property-based API test: schemathesis sends generated requests to every operation of /api/schema/,
one at a time and then in sequences (its stateful phase, following the links it infers between
operations: a created patient's id into GET /api/patients/{id}/, and so on).

No request may cause a 500, and every response must match the schema, nulls included (the data
below has a patient's own pain score, an open alert, an unacknowledged reminder and open
milestones). Bounded so that it fits in the suite; the full run (50 examples an operation, every
phase) is `scripts/schema-fuzz`, against a running server.
"""

import datetime as dt

import pytest
import schemathesis
from django.apps import apps
from django.core import signals
from django.core.management.color import no_style
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Flaky
from schemathesis import GenerationMode, checks

from notifications.dispatch import claim_due
from procedures.models import ApiToken, Staff
from procedures.recording import record_pain_score, report_complication
from procedures.timeline import record_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ids_as_on_a_fresh_database")]

# What the API promises: never a server error, and every answer as the schema documents it. (Not
# "every schema-valid request is accepted": a well-formed event can still break a clinical rule.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 20  # the full run (50, every phase) is scripts/schema-fuzz
SCENARIOS, STEPS_PER_SCENARIO = 20, 8
FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)


@pytest.fixture
def ids_as_on_a_fresh_database(db):
    """Each table's next id as if no test had run before in this process (pytest-xdist shares the tests
    out differently each run): Hypothesis then derives the same requests, reaching the same rows, every
    run. (Its derandomized ids otherwise find rows or not depending on the order of the suite.)"""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)


@pytest.fixture
def wsgi_app():
    """The real WSGI app, minus the request signals that close the test's database connection
    (Django's own test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def fuzzer(db) -> Staff:
    return Staff.objects.create_user("fuzzer", role=Staff.Role.ADMIN)


@pytest.fixture
def fresh_headers(fuzzer):
    """A new token for each request: the fuzzer may log itself out or set its own password (which
    revokes its tokens, as it should), and is an administrator again before every request."""

    def headers() -> dict[str, str]:
        Staff.objects.filter(pk=fuzzer.pk).update(role=Staff.Role.ADMIN, is_active=True)
        return {"Authorization": f"Token {ApiToken.objects.issue(user=Staff.objects.get(pk=fuzzer.pk))[1]}"}

    return headers


@pytest.fixture
def ward_data(procedure, nurse_a):
    """Answers with nulls in them: no staff author, no acknowledgement, no completion yet."""
    now = timezone.now()
    record_pain_score(procedure=procedure, score=3, recorded_at=now - dt.timedelta(hours=2), source="baseline")
    record_event(procedure=procedure, kind="cement_injected", at=now - dt.timedelta(minutes=30), by=nurse_a)
    report_complication(procedure=procedure, kind="cement_leakage", severity="mild", noted_at=now, by=nurse_a)
    claim_due(now)  # some reminders sent-ish (claimed), others still scheduled
    return procedure


@pytest.fixture
def api_schema(wsgi_app, fresh_headers, ward_data):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=fresh_headers())
    # Requests the schema allows (the full run also sends ones it forbids, e.g. /api/wards/0.5/).
    schema.config.generation.update(modes=[GenerationMode.POSITIVE])
    return schema


def test_no_request_breaks_the_api(api_schema, fresh_headers):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(FUZZ, max_examples=EXAMPLES_PER_OPERATION)
        def no_server_error_and_as_documented(case):
            case.call_and_validate(headers=fresh_headers(), checks=CHECKS)

        no_server_error_and_as_documented()


def test_no_sequence_of_requests_breaks_the_api(api_schema, fresh_headers):
    failures, calls = [], []

    class Workflow(api_schema.as_state_machine()):
        def get_call_kwargs(self, case):
            calls.append(f"{case.method} {case.path}")
            return {"headers": fresh_headers()}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # Collected, not raised: the database keeps what earlier scenarios did, so Hypothesis
            # could not replay a failing scenario the same way to report it.
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as failure:  # schemathesis raises a group of the failed checks
                failures.append(f"{case.method} {case.formatted_path} -> {response.status_code}: {failure}"[:2000])

    for _ in range(3):
        try:
            Workflow.run(settings=settings(FUZZ, max_examples=SCENARIOS, stateful_step_count=STEPS_PER_SCENARIO))
            break
        except Flaky:
            # The database keeps what earlier scenarios did, so the rules a scenario can take change
            # under Hypothesis; schemathesis's own runner starts again in that case, and so do we.
            continue

    assert failures == []
    assert len(calls) > SCENARIOS and len(set(calls)) > 20, calls  # it did walk the API
    print(f"{len(calls)} calls, {len(set(calls))} operations")
