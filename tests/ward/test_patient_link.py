"""The patient's own link from her page (QR code, URL, send now, revoke), the calendar file of her
follow-up appointments, and POST/DELETE /api/patients/{id}/link/."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.content import content_for
from notifications.models import PatientLink, Reminder
from notifications.patient_links import LinkRefused, issue_link, patient_from_token, revoke_links
from procedures.models import AccessLog
from procedures.timeline import record_event
from tests.ward.conftest import MIN, NOW


def token_of(url: str) -> str:
    return re.search(r"/p/([^/]+)/", url).group(1)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_page_offers_the_link_and_shows_it_as_a_qr_code_and_a_url(logged_in, patient, procedure):
    page = logged_in.get(reverse("ward:patient", args=[patient.pk])).content.decode()
    assert "Show the link and its QR code" in page and "<svg viewBox" not in page.split("patient-link")[1][:2000]

    response = logged_in.post(reverse("ward:issue_link", args=[patient.pk]), follow=True)

    html = response.content.decode()
    section = html[html.index('id="patient-link"') :]
    url = re.search(r'id="patient-link-url" class="link-url" type="url" value="([^"]+)"', section).group(1)
    assert url.startswith("http://127.0.0.1:8000/p/")
    assert patient_from_token(token_of(url)) == patient
    assert '<svg viewBox="0 0' in section and 'class="qr"' in section
    assert "<title>QR code of the patient&#x27;s link</title>" in section or "<title>QR code of the patient" in section
    assert "Opens until 12 Mar 14:00, unless revoked." in section  # 30 days on, in ward time
    assert "style=" not in html


def test_sending_the_link_goes_through_the_outbox_by_sms_now(logged_in, patient, procedure):
    response = logged_in.post(reverse("ward:send_link", args=[patient.pk]), follow=True)

    reminder = Reminder.objects.get(kind="link")
    assert (reminder.channel, reminder.recipient_patient, reminder.due_at, reminder.status) == (
        "sms", patient, NOW, "scheduled",
    )  # fmt: skip
    assert messages_of(response) == ["The patient's link is being sent by SMS."]
    sms = content_for(reminder).sms
    assert sms.startswith("Bonjour Jeanne")  # her language
    assert patient_from_token(token_of(sms)) == patient

    logged_in.post(reverse("ward:send_link", args=[patient.pk]))  # pressed twice in the same minute
    assert Reminder.objects.filter(kind="link").count() == 1


def test_without_consent_nothing_is_sent(logged_in, patient, procedure):
    patient.messaging_consent = False
    patient.save()

    response = logged_in.post(reverse("ward:send_link", args=[patient.pk]), follow=True)

    assert not Reminder.objects.filter(kind="link").exists()
    assert messages_of(response) == ["Not sent: the patient has not consented to messages, or has replied STOP."]


def test_revoking_stops_every_link_and_hides_the_one_shown(logged_in, patient, procedure):
    response = logged_in.post(reverse("ward:issue_link", args=[patient.pk]), follow=True)
    url = re.search(r'type="url" value="([^"]+)"', response.content.decode()).group(1)

    response = logged_in.post(reverse("ward:revoke_links", args=[patient.pk]), follow=True)

    with pytest.raises(LinkRefused):
        patient_from_token(token_of(url), now=NOW + MIN)
    assert 'id="patient-link-url"' not in response.content.decode()
    assert "None of this patient&#x27;s links opens any more." in response.content.decode()


def test_a_link_revoked_elsewhere_is_no_longer_shown(logged_in, patient, procedure):
    logged_in.post(reverse("ward:issue_link", args=[patient.pk]))
    page = reverse("ward:patient", args=[patient.pk])
    assert 'id="patient-link-url"' in logged_in.get(page).content.decode()

    revoke_links(patient)  # by another nurse, by the API, by her STOP

    html = logged_in.get(page).content.decode()
    assert 'id="patient-link-url"' not in html and 'class="qr"' not in html
    assert "Show the link and its QR code" in html


def test_another_ward_s_nurse_can_neither_issue_send_nor_revoke(client, nurse_b, patient, procedure):
    url, _ = issue_link(patient)
    client.force_login(nurse_b)
    for name in ["issue_link", "send_link", "revoke_links"]:
        assert client.post(reverse(f"ward:{name}", args=[patient.pk])).status_code == 404
    assert client.get(reverse("ward:appointments_ics", args=[patient.pk])).status_code == 404
    assert patient_from_token(token_of(url)) == patient  # still opens
    assert PatientLink.objects.filter(patient=patient).count() == 1
    assert not Reminder.objects.filter(kind="link").exists()


def test_the_calendar_file_holds_her_follow_up_appointments(logged_in, patient, procedure, nurse_a):
    for kind, minutes in [("cement_injected", 120), ("ended", 100), ("discharged", 10)]:
        record_event(procedure=procedure, kind=kind, at=NOW - minutes * MIN, by=nurse_a)

    response = logged_in.get(reverse("ward:appointments_ics", args=[patient.pk]))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="follow-up-MRN-0001.ics"'
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    summaries = re.findall(r"SUMMARY:(.+)\r\n", body)
    assert summaries and "Pain check-in day 1" not in summaries  # appointments only, not texts
    assert body.count("BEGIN:VEVENT") == len(summaries) >= 2
    # In her language (French), whatever the nurse's.
    assert "Radiographie de suivi (1 mois)" in summaries and "Follow-up X-ray (1 month)" not in summaries


@pytest.fixture
def api(nurse_a) -> APIClient:
    client = APIClient()
    client.force_authenticate(nurse_a)
    return client


def test_api_post_issues_a_new_link_and_older_ones_stay_valid(api, patient):
    first = api.post(f"/api/patients/{patient.pk}/link/", {}, format="json")
    second = api.post(f"/api/patients/{patient.pk}/link/", {}, format="json")

    assert first.status_code == second.status_code == 201
    assert set(first.json()) == {"url", "expires_at"}
    assert dt.datetime.fromisoformat(first.json()["expires_at"]) == NOW + dt.timedelta(days=30)
    for answer in (first, second):
        assert patient_from_token(token_of(answer.json()["url"])) == patient
    assert AccessLog.objects.filter(patient=patient, action="create", what="patient link").count() == 2


def test_api_delete_revokes_every_link(api, patient):
    url = api.post(f"/api/patients/{patient.pk}/link/", {}, format="json").json()["url"]

    response = api.delete(f"/api/patients/{patient.pk}/link/")

    assert response.status_code == 204
    with pytest.raises(LinkRefused):
        patient_from_token(token_of(url), now=NOW + MIN)
    assert AccessLog.objects.filter(patient=patient, action="delete").exists()


def test_api_link_of_another_ward_s_patient_is_404_and_unauthenticated_is_refused(nurse_b, patient):
    url, _ = issue_link(patient)
    client = APIClient()
    assert client.post(f"/api/patients/{patient.pk}/link/", {}, format="json").status_code in (401, 403)
    client.force_authenticate(nurse_b)
    assert client.post(f"/api/patients/{patient.pk}/link/", {}, format="json").status_code == 404
    assert client.delete(f"/api/patients/{patient.pk}/link/").status_code == 404
    assert patient_from_token(token_of(url)) == patient  # still opens
    assert PatientLink.objects.filter(patient=patient).count() == 1


def test_api_post_refuses_unknown_fields(api, patient):
    response = api.post(f"/api/patients/{patient.pk}/link/", {"days": 90}, format="json")

    assert response.status_code == 400 and response.json() == {"days": ["Unknown field."]}


@pytest.mark.parametrize("pk", ["-5", "abc", str(2**70)])
def test_api_link_of_what_is_no_patient_id_is_a_json_404(api, pk):
    response = api.post(f"/api/patients/{pk}/link/", {}, format="json")

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
