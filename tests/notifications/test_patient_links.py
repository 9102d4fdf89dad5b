"""A patient link opens that patient's own next steps, and is refused when tampered, expired or withdrawn."""

import base64
import datetime as dt
import io
import logging
from urllib.parse import urlsplit

import pytest
import time_machine
from django.urls import reverse

from notifications.link_masking import MaskLinkTokens, mask_tokens
from notifications.models import PatientLink
from notifications.patient_links import issue_link, patient_link, revoke_links
from procedures.models import Patient
from procedures.timeline import record_event

INJECTED = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)  # 09:00 in Paris


def patient_token(patient) -> str:
    return urlsplit(issue_link(patient)[0]).path.split("/")[2]


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
    assert 'href="tel:+33140000000">Appeler le service : ' in html  # one tap to call, not a number to copy
    for private in ["Martin", "MRN-0001", "L1", "ostéopor", "Zoé", "Observations"]:
        assert private not in html
    assert response["Cache-Control"].startswith("max-age=0") and response["Referrer-Policy"] == "same-origin"
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


def test_the_token_carries_no_readable_patient_id_and_each_link_is_on_record(patient, settings):
    settings.PATIENT_LINK_MAX_AGE = dt.timedelta(days=30)
    with time_machine.travel(INJECTED, tick=False):
        url, expires_at = issue_link(patient)

    token = urlsplit(url).path.split("/")[2]
    key, _signature = token.split(":")
    link = PatientLink.objects.get(patient=patient)
    assert (link.key, link.issued_at, link.expires_at, expires_at) == (key, INJECTED, INJECTED + dt.timedelta(days=30),
                                                                      link.expires_at)  # fmt: skip
    # Nothing in the token decodes to the patient's id or MRN: the key is random, the rest a signature.
    decoded = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
    assert len(decoded) == 18 and b"patient" not in decoded and patient.mrn.encode() not in decoded
    assert urlsplit(issue_link(patient)[0]).path != urlsplit(url).path


def test_one_link_can_be_revoked_on_its_own(patient, page):
    first, second = patient_token(patient), patient_token(patient)
    key = first.split(":")[0]

    PatientLink.objects.filter(key=key).update(revoked_at=dt.datetime.now(dt.UTC))

    assert [page(first).status_code, page(second).status_code] == [410, 200]


@pytest.mark.parametrize(("field", "value"), [("phone", "+33699999999"), ("email", "new@example.org")])
def test_a_new_phone_or_email_revokes_her_links(patient, page, field, value):
    token = patient_token(patient)

    setattr(patient, field, value)
    patient.save()

    assert page(token).status_code == 410


def test_a_change_of_bed_keeps_her_links(patient, page):
    token = patient_token(patient)

    patient.bed = "14"
    patient.save()

    assert page(token).status_code == 200


def test_tokens_are_cut_short_in_every_log_line(patient, client, caplog):
    token = patient_token(patient)
    revoke_links(patient)
    handler = logging.StreamHandler(stream := io.StringIO())
    handler.addFilter(MaskLinkTokens())
    logging.getLogger("django.request").addHandler(handler)
    try:
        client.get(f"/p/{token}/")
        client.get(f"/p/{token}x/")
    finally:
        logging.getLogger("django.request").removeHandler(handler)

    written = stream.getvalue()
    assert f"/p/{token[:4]}…" in written
    assert token not in written and token.split(":")[0] not in written
    assert mask_tokens(f'"GET /p/{token}/ HTTP/1.1" 200') == f'"GET /p/{token[:4]}…/ HTTP/1.1" 200'


def test_the_settings_mask_tokens_on_the_console_handler(settings):
    console = settings.LOGGING["handlers"]["console"]

    assert "mask_patient_links" in console["filters"]
    assert settings.LOGGING["filters"]["mask_patient_links"]["()"] == "notifications.link_masking.MaskLinkTokens"
