"""The admin a ward manager uses: every page opens, search finds patients by MRN and name."""

import pytest
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
