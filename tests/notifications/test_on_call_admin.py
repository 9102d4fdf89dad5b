"""The on-call rota in the admin: doctors only, the ward's clock, overlaps pointed out."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from notifications.models import OnCall
from procedures.models import Staff

ADD = reverse("admin:notifications_oncall_add")


@pytest.fixture
def manager(db, client) -> Staff:
    user = Staff.objects.create_superuser("manager", "manager@example.org", "manager-password")
    client.force_login(user)
    return user


@pytest.fixture
def dave(ward_a) -> Staff:
    return Staff.objects.create_user("dave", role=Staff.Role.DOCTOR, last_name="House")


def shift(ward, doctor, starts: str, ends: str) -> dict:
    """The add form's fields: dates and times as the ward's clock shows them."""
    return {
        "ward": ward.pk, "doctor": doctor.pk, "starts_at_0": starts[:10], "starts_at_1": starts[11:],
        "ends_at_0": ends[:10], "ends_at_1": ends[11:],
    }  # fmt: skip


def test_only_doctors_are_offered_or_accepted(client, manager, ward_a, dave, nurse_a):
    page = client.get(ADD).content.decode()
    refused = client.post(ADD, shift(ward_a, nurse_a, "2026-02-10 19:00", "2026-02-11 07:00"))

    assert f'<option value="{dave.pk}">' in page and f'<option value="{nurse_a.pk}">' not in page
    assert refused.status_code == 200 and "doctor" in refused.context["adminform"].form.errors
    assert not OnCall.objects.exists()
    with pytest.raises(ValidationError):
        OnCall(ward=ward_a, doctor=nurse_a, starts_at=dt.datetime(2026, 2, 10, tzinfo=dt.UTC),
               ends_at=dt.datetime(2026, 2, 11, tzinfo=dt.UTC)).full_clean()  # fmt: skip


def test_times_are_taken_and_shown_on_the_ward_s_clock(client, manager, ward_a, dave):
    saved = client.post(ADD, shift(ward_a, dave, "2026-02-10 19:00", "2026-02-11 07:00"))

    assert saved.status_code == 302
    # The confirmation names the shift as it was entered, on the ward's clock (it said "19:00 UTC").
    assert "from 2026-02-10 19:00 CET" in " ".join(str(m) for m in get_messages(saved.wsgi_request))
    (rota,) = OnCall.objects.all()
    assert (rota.starts_at, rota.ends_at) == (  # Paris is UTC+1 in February
        dt.datetime(2026, 2, 10, 18, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 2, 11, 6, 0, tzinfo=dt.UTC),
    )
    listing = client.get(reverse("admin:notifications_oncall_changelist")).content.decode()
    change = client.get(reverse("admin:notifications_oncall_change", args=[rota.pk])).content.decode()
    assert "2026-02-10 19:00 CET" in listing and "2026-02-11 07:00 CET" in listing
    assert 'value="19:00:00"' in change and 'value="07:00:00"' in change


def test_a_time_the_clocks_skip_is_refused(client, manager, ward_a, dave):
    refused = client.post(ADD, shift(ward_a, dave, "2026-03-29 02:30", "2026-03-29 08:00"))

    assert refused.status_code == 200 and "does not exist in Europe/Paris" in refused.content.decode()


def test_an_end_before_the_start_is_refused(client, manager, ward_a, dave):
    refused = client.post(ADD, shift(ward_a, dave, "2026-02-10 19:00", "2026-02-10 07:00"))

    assert refused.status_code == 200 and "must end after it starts" in refused.content.decode()


def test_an_overlap_is_pointed_out_not_refused(client, manager, ward_a, ward_b, dave):
    other = Staff.objects.create_user("greg", role=Staff.Role.DOCTOR)
    client.post(ADD, shift(ward_a, dave, "2026-02-10 19:00", "2026-02-11 07:00"))
    client.post(ADD, shift(ward_b, other, "2026-02-10 19:00", "2026-02-11 07:00"))  # another ward: no overlap

    saved = client.post(ADD, shift(ward_a, other, "2026-02-11 06:00", "2026-02-11 19:00"))

    assert saved.status_code == 302 and OnCall.objects.count() == 3
    warnings = [str(m) for m in get_messages(saved.wsgi_request) if m.level_tag == "warning"]
    assert warnings == [
        "This shift overlaps dave (2026-02-10 19:00 CET to 2026-02-11 07:00 CET): escalations in that time go to both "
        "doctors."
    ]
