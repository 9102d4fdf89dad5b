"""Property-based API test: schemathesis sends generated requests to every operation of /api/schema/.

No request may cause a 500, and every response must match the schema. Bounded (a few examples per
operation) so that it runs in well under two minutes.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from procedures.models import ApiToken, Staff

pytestmark = pytest.mark.django_db

# What the API promises: never a server error, and every answer as the schema documents it. (Not
# "every schema-valid request is accepted": a well-formed event can still break a clinical rule.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


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
def auth_headers(db) -> dict[str, str]:
    admin = Staff.objects.create_user("fuzzer", role=Staff.Role.ADMIN)
    return {"Authorization": f"Token {ApiToken.objects.issue(user=admin)[1]}"}


@pytest.fixture
def api_schema(wsgi_app, auth_headers):
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=auth_headers)


def test_no_request_breaks_the_api(api_schema, auth_headers):
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
        )
        def no_server_error_and_as_documented(case):
            case.call_and_validate(headers=auth_headers, checks=CHECKS)

        no_server_error_and_as_documented()
