"""A patient link opens that patient's own next steps, and is refused when tampered, expired or withdrawn."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from notifications.patient_links import patient_link, patient_token, revoke_links
from procedures.models import Patient
from procedures.timeline import record_event

INJECTED = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)  # 09:00 in Paris


@pytest.fixture
def page(client):
    def open_page(token: str):
        return client.get(reverse("patient-page", args=[token]))

    return open_page


@pytest.fixture
def injected(procedure, nurse_a):
    with time_machine.travel(INJECTED, tick=False):
        record_event(procedure=procedure, kind="cement_injected", at=INJECTED, by=nurse_a)
    return procedure


def test_the_link_shows_the_patients_next_steps_in_her_language_and_zone(injected, patient, ward_a, page):
    other = Patient.objects.create(
        mrn="MRN-2", given_name="Zoé", family_name="Autre", birth_date="1950-01-01", ward=ward_a
    )

    with time_machine.travel(INJECTED + dt.timedelta(hours=1), tick=False):
        response = page(patient_token(patient))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Bonjour Jeanne, vos prochaines étapes" in html
    assert "mardi 10 mars, 21:00" in html  # may stand: 12 h after 09:00 CET
    assert "Premier lever, avec une infirmière" in html
    assert "Radiographie de contrôle" in html and "vendredi 10 avril, 10:00" in html
    for private in ["Martin", "MRN-0001", "L1", "ostéopor", "Zoé", "Observations"]:
        assert private not in html
    assert response["Cache-Control"].startswith("max-age=0") and response["Referrer-Policy"] == "no-referrer"
    assert other.pk


def test_the_page_gives_the_year_of_a_step_in_another_year(injected, patient, page):
    with time_machine.travel(INJECTED + dt.timedelta(hours=1), tick=False):
        html = page(patient_token(patient)).content.decode()

    assert "mardi 10 mars, 21:00" in html  # this year: no year
    assert "mercredi 10 mars 2027, 10:00" in html  # the review a year on


def test_the_link_is_an_absolute_url_on_the_public_site(patient, settings):
    settings.PUBLIC_BASE_URL = "https://recovery.hospital.example/"

    assert patient_link(patient).startswith("https://recovery.hospital.example/p/")


def test_a_tampered_link_is_refused(patient, page):
    token = patient_token(patient)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    response = page(tampered)

    assert response.status_code == 404
    assert "Jeanne" not in response.content.decode()


def test_an_expired_link_is_refused(patient, page, settings):
    settings.PATIENT_LINK_MAX_AGE = dt.timedelta(days=30)
    with time_machine.travel(INJECTED, tick=False):
        token = patient_token(patient)

    with time_machine.travel(INJECTED + dt.timedelta(days=30, seconds=1), tick=False):
        expired = page(token)
    with time_machine.travel(INJECTED + dt.timedelta(days=29), tick=False):
        valid = page(token)

    assert (expired.status_code, valid.status_code) == (410, 200)
    assert "expired" in expired.content.decode()


def test_a_withdrawn_link_is_refused_and_a_new_one_works(patient, page):
    with time_machine.travel(INJECTED, tick=False):
        old = patient_token(patient)
        revoke_links(patient)
    with time_machine.travel(INJECTED + dt.timedelta(seconds=1), tick=False):
        new = patient_token(patient)
        responses = page(old), page(new)

    assert [r.status_code for r in responses] == [410, 200]
