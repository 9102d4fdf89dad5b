"""The admin a ward manager uses: every page opens, search finds patients by MRN and name."""

import datetime as dt

import pytest
from django.db.models import ProtectedError
from django.urls import reverse

from procedures.models import (
    AccessLog,
    Complication,
    Event,
    Milestone,
    ObservationCheck,
    PainScore,
    Patient,
    Procedure,
    Protocol,
    Staff,
    Ward,
)
from procedures.timeline import record_event
from tests.admin_forms import form_values


@pytest.fixture
def manager(db, client) -> Staff:
    user = Staff.objects.create_superuser("manager", "manager@example.org", "manager-password")
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", [Ward, Staff, Patient, Procedure, Protocol, Event, Milestone])
def test_every_list_and_detail_page_opens(client, manager, procedure, model):
    record_event(procedure=procedure, kind="cement_injected", at=procedure.scheduled_at, by=manager)
    opts = model._meta

    listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    detail = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[model.objects.first().pk]))

    assert (listing.status_code, detail.status_code) == (200, 200)


@pytest.mark.parametrize("model", [PainScore, ObservationCheck, Complication, AccessLog])
def test_clinical_record_lists_open(client, manager, model):
    opts = model._meta

    assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200


@pytest.mark.parametrize("query", ["MRN-0001", "martin", "Jeanne"])
def test_patients_are_found_by_mrn_and_name(client, manager, patient, query):
    response = client.get(reverse("admin:procedures_patient_changelist"), {"q": query})

    assert patient.mrn in response.content.decode()


def test_a_published_protocols_steps_are_read_only(client, manager):
    protocol = Protocol.objects.current("vertebral-augmentation")

    response = client.get(reverse("admin:procedures_protocol_change", args=[protocol.pk]))

    assert 'name="steps-0-offset"' not in response.content.decode()
    assert "may_stand" in response.content.decode()


def test_a_published_protocol_shows_its_timings_as_people_write_them(client, manager):
    protocol = Protocol.objects.current("vertebral-augmentation")

    page = client.get(reverse("admin:procedures_protocol_change", args=[protocol.pk])).content.decode()

    assert "0:00:00" not in page and "day," not in page
    for timing in ["12 h", "10 min", "1 month", "12 months", "12 days", "2 min"]:
        assert f"<p>{timing}</p>" in page, timing
    assert "Premier lever autorisé" in page and "Pouls (/min)" in page


def test_a_draft_s_timings_and_french_labels_are_edited_in_the_admin(client, manager):
    draft = Protocol.objects.current("vertebral-augmentation").new_draft()
    url = reverse("admin:procedures_protocol_change", args=[draft.pk])
    page = client.get(url).content.decode()
    values = form_values(page)
    row = next(key.split("-")[1] for key, value in values.items() if key.endswith("-code") and value == "may_stand")
    xray = next(key.split("-")[1] for key, value in values.items() if key.endswith("-code") and value == "review_3m")
    assert (values[f"steps-{row}-offset"], values[f"steps-{xray}-offset"]) == ("12 h", "3 months")
    assert values[f"steps-{row}-labels_fr"] == "Premier lever autorisé"

    values |= {
        f"steps-{row}-offset": "6 h 30 min", f"steps-{row}-labels_fr": "Lever autorisé",
        f"steps-{row}-overdue_after": "1 h", f"steps-{xray}-offset": "4 months",
    }  # fmt: skip
    refused = client.post(url, values | {f"steps-{row}-window_opens_before": "1 day, 0:00:00"})
    saved = client.post(url, values)

    assert refused.status_code == 200 and "such as “12 h”" in refused.content.decode()
    assert saved.status_code == 302
    stand, review = draft.steps.get(code="may_stand"), draft.steps.get(code="review_3m")
    assert (stand.offset, stand.overdue_after, stand.labels) == (
        dt.timedelta(hours=6, minutes=30),
        dt.timedelta(hours=1),
        {"fr": "Lever autorisé"},
    )
    assert (review.offset_months, review.offset) == (4, dt.timedelta(0))


def test_a_published_version_cannot_be_deleted_and_a_draft_can(client, manager):
    published = Protocol.objects.current("vertebral-augmentation")
    draft = published.new_draft()

    page = client.get(reverse("admin:procedures_protocol_delete", args=[published.pk]))
    with pytest.raises(ProtectedError):
        published.delete()
    with pytest.raises(ProtectedError):
        Protocol.objects.all().delete()
    deleted = client.post(reverse("admin:procedures_protocol_delete", args=[draft.pk]), {"post": "yes"})

    assert page.status_code == 403 and deleted.status_code == 302
    assert Protocol.objects.filter(pk=published.pk).exists()
    assert not Protocol.objects.filter(pk=draft.pk).exists()


def test_a_phone_number_written_with_spaces_is_stored_in_e164(client, manager, patient):
    url = reverse("admin:procedures_patient_change", args=[patient.pk])
    values = form_values(client.get(url).content.decode())

    saved = client.post(url, values | {"phone": "+33 6 98 76 54 32"})  # 17 characters: once "at most 16"

    assert saved.status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+33698765432"
