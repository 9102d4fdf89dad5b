"""Every page carries a Content-Security-Policy without inline script; nothing dynamic is cached."""

from urllib.parse import urlsplit

import pytest
from django.test import Client

from notifications.patient_links import patient_link
from procedures.models import ApiToken, Staff


@pytest.fixture
def nurse_client(nurse_a) -> Client:
    client = Client()
    client.force_login(nurse_a)
    return client


@pytest.fixture
def root_client(db) -> Client:
    client = Client()
    client.force_login(Staff.objects.create_superuser("root", password="root-password-1234"))
    return client


def test_ward_pages_carry_a_strict_policy_and_no_store(nurse_client, procedure):
    for path in ["/", f"/patients/{procedure.patient_id}/", f"/procedures/{procedure.pk}/events/", "/wards/"]:
        response = nurse_client.get(path)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "style-src 'self';" in policy, path
        assert "unsafe-inline" not in policy, path
        assert response["Cache-Control"] == "no-store", path


def test_no_ward_page_has_an_inline_script_or_style(nurse_client, procedure):
    for path in ["/", f"/patients/{procedure.patient_id}/", f"/procedures/{procedure.pk}/events/"]:
        html = nurse_client.get(path).content.decode()
        assert "<script>" not in html and "style=" not in html and "<style" not in html, path


def test_the_login_page_and_the_patient_page_too(client, procedure):
    login = client.get("/accounts/login/")
    own = client.get(urlsplit(patient_link(procedure.patient)).path)

    for response in (login, own):
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "no-store" in response["Cache-Control"]
    assert "style=" not in own.content.decode() and "<style" not in own.content.decode()


def test_admin_patient_pages_are_not_stored(root_client, patient):
    response = root_client.get(f"/admin/procedures/patient/{patient.pk}/change/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self';" in response["Content-Security-Policy"]


def test_api_answers_are_not_stored(nurse_a, patient):
    client = Client(HTTP_AUTHORIZATION=f"Token {ApiToken.objects.issue(user=nurse_a)[1]}")

    for path in ["/api/patients/", f"/api/patients/{patient.pk}/", "/api/notifications/", "/api/alerts/"]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path
        assert "Content-Security-Policy" not in response  # JSON, not a page


def test_static_files_keep_their_caching(settings):
    settings.WHITENOISE_USE_FINDERS = True  # served by WhiteNoise without collectstatic, as in development
    settings.WHITENOISE_AUTOREFRESH = True

    response = Client().get("/static/ward/ward.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
