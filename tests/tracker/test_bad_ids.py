"""Every URL pattern, with ids that are not numbers, answers 404 (the admin: its own redirect), never 500."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

BAD_IDS = ["abc", "%00", "%C2%B2", "99999999999999999999999", "-1", "1.5"]
# Parts of a route that take an id or a key, in both spellings Django has: <converter:name> and (?P<name>...).
PARAMETER = re.compile(r"<(?:[^>:]+:)?[^>]+>|\(\?P<[^>]+>(?:[^()]|\([^()]*\))*\)")
# DRF's routers add a variant of each route with a format suffix (".json"); the plain route is enough.
FORMAT_SUFFIX = r"\.(?P<format>[a-z0-9]+)/?"


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the site, as text with its parameters still in it."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        text = str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, prefix + text)
        elif isinstance(entry, URLPattern) and FORMAT_SUFFIX not in text:
            found.append(prefix + text)
    return found


def with_ids(route: str, bad: str) -> str:
    path = PARAMETER.sub(bad, route.replace("^", "").replace("$", "").replace("\\", ""))
    return "/" + path.lstrip("/")


ROUTES_WITH_IDS = sorted({r for r in routes() if PARAMETER.search(r)})


def test_the_walk_covers_the_api_the_ward_pages_the_admin_and_fhir():
    joined = " ".join(ROUTES_WITH_IDS)
    for part in ["procedures/", "alerts/", "notifications/", "patients/", "admin/", "fhir/", "milestones/", "p/"]:
        assert part in joined, part
    assert len(ROUTES_WITH_IDS) > 40


@pytest.fixture
def clients(nurse_a, admin_user, patient):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    people = []
    for user in (nurse_a, admin_user):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        people.append(client)
    return people


@pytest.mark.parametrize("bad", BAD_IDS)
def test_every_route_answers_a_bad_id_without_a_server_error(clients, bad):
    failures = []
    for route in ROUTES_WITH_IDS:
        path = with_ids(route, bad)
        for client in clients:
            for method in (client.get, client.post):
                status = method(path).status_code
                # The admin sends a missing object back to its list with a message (302), as Django does; a
                # password-reset link is a token, not an id, and says on its page that it is not valid.
                lenient = path.startswith(("/admin/", "/accounts/"))
                # 403: the route is not for this user whatever the id (a nurse on /api/staff/...).
                if status >= 500 or (not lenient and status not in (403, 404, 405)):
                    failures.append((method.__name__, path, status))
    assert failures == [], "\n".join(map(str, failures))


def test_the_ward_chooser_refuses_a_number_that_is_not_ascii_with_a_message(client, nurse_a, ward_a, ward_b):
    nurse_a.wards.add(ward_b)
    client.force_login(nurse_a)

    response = client.post("/wards/", {"ward": "²"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert "Choose one of your wards." in response.content.decode()
