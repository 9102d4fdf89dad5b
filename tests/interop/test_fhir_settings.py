"""The base of the local code systems and extension definitions is an http(s) URL, from PUBLIC_BASE_URL by default."""

import pytest

from tests.tracker.test_settings import PRODUCTION, manage

SHOW_BASE = (
    "from django.conf import settings; from django.urls import reverse; "
    "print(settings.FHIR_LOCAL_SYSTEM_BASE, reverse('fhir-structure-definition', args=['anaesthesia']))"
)


def test_a_base_that_is_not_an_http_url_stops_start_up():
    result = manage("check", FHIR_LOCAL_SYSTEM_BASE="urn:recovery-tracker:codes", **PRODUCTION)

    assert result.returncode != 0
    assert "FHIR_LOCAL_SYSTEM_BASE must be an http:// or https:// URL" in result.stderr


@pytest.mark.parametrize(
    ("env", "base", "route"),
    [
        # The site under a prefix its proxy adds: Django routes below PUBLIC_BASE_URL.
        ({"PUBLIC_BASE_URL": "https://tracker.hospital.example/spine"}, "https://tracker.hospital.example/spine/fhir",
         "/fhir/StructureDefinition/anaesthesia"),
        ({"FHIR_LOCAL_SYSTEM_BASE": "https://tracker.hospital.example/codes/recovery/"},
         "https://tracker.hospital.example/codes/recovery", "/codes/recovery/StructureDefinition/anaesthesia"),
    ],
)  # fmt: skip
def test_the_definitions_are_served_under_the_base(env, base, route):
    result = manage("shell", "--no-imports", "-c", SHOW_BASE, **(PRODUCTION | env))

    assert result.stdout.split() == [base, route], result.stderr
