"""The REST API: contract, ward scoping, refusals, idempotent retries, access log, query counts."""

import datetime as dt
import json

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.dispatch import claim_due
from notifications.models import Reminder
from procedures.models import AccessLog, Event, Patient, Procedure, Staff
from procedures.recording import report_complication
from procedures.timeline import record_event
from tests.conftest import NOW, api_client

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def bob(nurse_b):
    return api_client(nurse_b)


def new_procedure(patient_id: int, **changes) -> dict:
    return {
        "patient": patient_id, "kind": "vertebroplasty", "indication": "osteoporotic_fracture", "levels": ["L1"],
        "anaesthesia": "local", "scheduled_at": "2026-02-10T08:00:00+01:00",
    } | changes  # fmt: skip


def test_repeated_failed_logins_lock_the_account(nurse_a, settings):
    client = APIClient()
    failures = [
        client.post("/api/auth/token/", {"username": "alice", "password": "wrong"}).status_code
        for _ in range(settings.AXES_FAILURE_LIMIT)
    ]

    locked = client.post("/api/auth/token/", {"username": "alice", "password": "alice-password"})

    assert failures == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    assert locked.status_code == 429
    assert "locked for 15 minutes" in locked.json()["detail"]


@pytest.mark.parametrize(
    "path",
    ["/api/wards/", "/api/patients/", "/api/procedures/", "/api/staff/", "/api/notifications/", "/api/schema/",
     "/api/procedures/1/timeline/"],
)  # fmt: skip
def test_every_endpoint_needs_authentication(db, path):
    assert APIClient().get(path).status_code == 401


def test_the_curl_session_of_the_readme(alice, ward_a):
    patient = alice.post("/api/patients/", {
        "mrn": "MRN-9", "given_name": "Anne", "family_name": "Roux", "birth_date": "1944-05-02", "ward": ward_a.pk,
        "phone": "06 11 22 33 44", "language": "fr", "messaging_consent": True,
    }, format="json")  # fmt: skip
    procedure = alice.post("/api/procedures/", new_procedure(patient.json()["id"]), format="json")
    event = alice.post(
        f"/api/procedures/{procedure.json()['id']}/events/",
        {"kind": "cement_injected", "at": "2026-02-10T12:50:00+01:00"},
        format="json",
    )
    timeline = alice.get(f"/api/procedures/{procedure.json()['id']}/timeline/")

    assert (patient.status_code, procedure.status_code, event.status_code, timeline.status_code) == (201, 201, 201, 200)
    assert patient.json()["phone"] == "+33611223344"
    assert procedure.json() | {"id": 0, "patient": 0} == {
        "id": 0, "patient": 0, "kind": "vertebroplasty", "indication": "osteoporotic_fracture", "levels": ["L1"],
        "anaesthesia": "local", "scheduled_at": "2026-02-10T07:00:00Z", "operator": None,
        "protocol": {"code": "vertebral-augmentation", "version": 2}, "cement_volume_ml": {}, "status": "scheduled",
    }  # fmt: skip
    assert event.json() == {"kind": "cement_injected", "at": "2026-02-10T11:50:00Z", "recorded_by": "alice"}
    body = timeline.json()
    assert body["events"] == [event.json()]
    stand = next(m for m in body["milestones"] if m["code"] == "may_stand")
    assert stand | {"id": 0} == {
        "id": 0, "code": "may_stand", "label": "May stand", "audience": "staff_and_patient",
        "window_opens_at": "2026-02-10T23:50:00Z", "due_at": "2026-02-10T23:50:00Z", "status": "pending",
        "completed_at": None, "completed_by": None, "note": "",
    }  # fmt: skip
    assert [m["due_at"] for m in body["milestones"]] == sorted(m["due_at"] for m in body["milestones"])
    # First the recovery check before the procedure, due at the scheduled time (08:00 in Paris): not answered
    # before the cement went in, it is missed.
    assert body["milestones"][0] | {"id": 0} == {
        "id": 0, "code": "prom_baseline", "label": "Recovery check before the procedure", "audience": "staff",
        "window_opens_at": "2026-02-03T07:00:00Z", "due_at": "2026-02-10T07:00:00Z", "status": "missed",
        "completed_at": None, "completed_by": None, "note": "",
    }  # fmt: skip
    assert body["milestones"][1] | {"id": 0} == {
        "id": 0, "code": "cement_hardened", "label": "Cement hardened", "audience": "staff",
        "window_opens_at": "2026-02-10T11:58:00Z", "due_at": "2026-02-10T12:00:00Z", "status": "due",
        "completed_at": None, "completed_by": None, "note": "",
    }  # fmt: skip


def test_completing_a_milestone(alice, procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=9), by=nurse_a)
    hardened = procedure.milestones.get(step__code="cement_hardened")

    response = alice.post(f"/api/milestones/{hardened.pk}/complete/", {"note": "Moved flat"}, format="json")

    assert response.status_code == 200
    assert response.json() | {"id": 0} == {
        "id": 0, "code": "cement_hardened", "label": "Cement hardened", "audience": "staff",
        "window_opens_at": "2026-02-10T11:59:00Z", "due_at": "2026-02-10T12:01:00Z", "status": "completed",
        "completed_at": "2026-02-10T12:00:00Z", "completed_by": "alice", "note": "Moved flat",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"kind": "cement_injected", "at": "2026-02-10T13:30:00+01:00"}, "at", "in the future"),
        ({"kind": "ended", "at": "2026-02-10T12:30:00+01:00"}, "kind", "before"),
        ({"kind": "cement_injected", "at": "2026-02-10T12:30:00"}, "at", "UTC offset"),
        ({"kind": "exploded", "at": "2026-02-10T12:30:00+01:00"}, "kind", "not a valid choice"),
        ({"kind": "cement_injected", "at": "yesterday"}, "at", "wrong format"),
        ({"kind": "cement_injected", "at": "2026-02-10T12:30:00+01:00", "by": "bob"}, "by", "Unknown field"),
        ({"kind": "cement_injected"}, "at", "required"),
    ],
)
def test_refused_events_answer_400_naming_the_field_and_save_nothing(alice, procedure, body, field, words):
    planned = list(procedure.milestones.values_list("pk", "step__anchor", "due_at"))  # the check before it

    response = alice.post(f"/api/procedures/{procedure.pk}/events/", body, format="json")

    assert response.status_code == 400
    assert words in " ".join(response.json()[field])
    assert not Event.objects.exists()
    assert list(procedure.milestones.values_list("pk", "step__anchor", "due_at")) == planned
    assert {anchor for _, anchor, _ in planned} == {"scheduled"}


def test_an_event_before_another_names_the_time_field(alice, procedure, nurse_a):
    record_event(procedure=procedure, kind="started", at=NOW - dt.timedelta(hours=1), by=nurse_a)

    response = alice.post(
        f"/api/procedures/{procedure.pk}/events/", {"kind": "cement_injected", "at": "2026-02-10T11:30:00+01:00"}
    )

    assert response.status_code == 400
    assert "must come before" in response.json()["at"][0]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"levels": ["L1", "L2"]}, "anaesthesia"),
        ({"levels": []}, "levels"),
        ({"levels": ["L1", "L1"], "anaesthesia": "general"}, "levels"),
        ({"levels": ["S1"]}, "levels"),
        ({"levels": "L1"}, "levels"),
        ({"protocol": {"code": "vertebral-augmentation", "version": 9}}, "protocol"),
        ({"scheduled_at": "tomorrow"}, "scheduled_at"),
        ({"cement_volume_ml": {"L1": "lots"}}, "cement_volume_ml"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_refused_procedures_answer_400_naming_the_field_and_save_nothing(alice, patient, changes, field):
    response = alice.post("/api/procedures/", new_procedure(patient.pk, **changes), format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Procedure.objects.exists()


def test_a_bad_patient_answers_400_with_each_field(alice, ward_b):
    response = alice.post("/api/patients/", {"mrn": "", "birth_date": "someday", "phone": "12", "ward": ward_b.pk})

    assert response.status_code == 400
    assert {"mrn", "given_name", "family_name", "birth_date", "phone", "ward"} <= set(response.json())
    assert not Patient.objects.filter(mrn="").exists()


FUTURE, TOO_EARLY = "A birth date cannot be in the future.", "A birth date before 1900 cannot be right."


@pytest.mark.parametrize(
    ("born", "message"),
    [("2026-02-12", FUTURE), ("9999-12-31", FUTURE), ("1899-12-31", TOO_EARLY), ("0001-01-01", TOO_EARLY)],
)
def test_a_birth_date_in_the_future_or_before_1900_is_a_400_naming_it(alice, patient, born, message):
    # (A future one once gave an age band of "-10--1" in the results' export.)
    response = alice.patch(f"/api/patients/{patient.pk}/", {"birth_date": born}, format="json")

    assert (response.status_code, response.json()) == (400, {"birth_date": [message]})
    patient.refresh_from_db()
    assert patient.birth_date == dt.date(1941, 3, 14)


@pytest.mark.parametrize("field", ["mrn", "given_name", "family_name", "bed"])
@pytest.mark.parametrize("control", ["\t", "\x07", "\u202e", "\n"])
def test_a_control_character_in_a_name_mrn_or_bed_is_a_400_naming_it(alice, patient, field, control):
    # U+202E showed "MRN-\u202e1000" as "MRN-0001" on the board.
    response = alice.patch(f"/api/patients/{patient.pk}/", {field: f"AB{control}12"}, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["Remove the control characters (tabs, line breaks, direction marks)."]}
    assert Patient.objects.filter(**{field: getattr(patient, field)}).exists()


def test_a_phone_number_written_with_spaces_as_our_message_asks_is_stored_in_e164(alice, admin_user, ward_a, patient):
    written = "+33 6 12 34 56 78"  # 17 characters: once refused as longer than the 16 of its E.164 form

    patched = alice.patch(f"/api/patients/{patient.pk}/", {"phone": written}, format="json")
    staff = api_client(admin_user).post(
        "/api/staff/", {"username": "claire", "password": "a-long-password-1", "phone": written}, format="json"
    )
    too_long = alice.patch(f"/api/patients/{patient.pk}/", {"phone": "+33 6 12 34 56 78 " + "9" * 20}, format="json")

    assert (patched.status_code, patched.json()["phone"]) == (200, "+33612345678")
    assert (staff.status_code, staff.json()["phone"]) == (201, "+33612345678")
    assert too_long.status_code == 400 and list(too_long.json()) == ["phone"]


# JSON numbers Python reads as infinity (1e309: a 500 once), or that are not whole (a good id and a half:
# DRF's field found the object with the good id).
@pytest.mark.parametrize("number", ["1e309", "-1e309", "{id}.5"])
@pytest.mark.parametrize(
    ("path", "field"),
    [("/api/patients/", "ward"), ("/api/procedures/", "patient"), ("/api/procedures/", "operator"),
     ("/api/staff/", "wards")],
)  # fmt: skip
def test_an_id_that_is_not_a_whole_number_is_a_400_naming_it(admin_user, ward_a, patient, path, field, number):
    admin_user.wards.add(ward_a)
    bodies = {
        "/api/patients/": {"mrn": "MRN-0002", "given_name": "Anne", "family_name": "Roy", "birth_date": "1950-01-01",
                           "ward": ward_a.pk, "bed": "3"},
        "/api/procedures/": new_procedure(patient.pk, operator=admin_user.pk),
        "/api/staff/": {"username": "claire", "password": "a-long-password-1", "role": "nurse", "wards": [ward_a.pk]},
    }  # fmt: skip
    good_id = {"ward": ward_a.pk, "patient": patient.pk, "operator": admin_user.pk, "wards": ward_a.pk}[field]
    number = number.format(id=good_id)
    number = f"[{number}]" if field == "wards" else number
    body = json.dumps(bodies[path] | {field: "NUMBER"}).replace('"NUMBER"', number)

    response = api_client(admin_user).post(path, body, content_type="application/json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert (Patient.objects.count(), Procedure.objects.count(), Staff.objects.filter(username="claire").exists()) == (
        1, 0, False
    )  # fmt: skip


@pytest.fixture
def everything_on_ward_a(procedure, nurse_a):
    """One of each object type on ward A, for cross-ward access checks."""
    with time_machine.travel(NOW - dt.timedelta(minutes=20), tick=False):
        record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=20), by=nurse_a)
    claim_due(NOW)
    return {
        "ward": procedure.patient.ward_id,
        "patient": procedure.patient_id,
        "procedure": procedure.pk,
        "milestone": procedure.milestones.get(step__code="cement_hardened").pk,
        "notification": Reminder.objects.filter(procedure=procedure).first().pk,
        "alert": report_complication(procedure=procedure, kind="haematoma", severity="mild", noted_at=NOW, by=nurse_a)
        .procedure.reminders.get(kind="alert")
        .pk,
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/wards/{ward}/", None),
        ("get", "/api/patients/{patient}/", None),
        ("patch", "/api/patients/{patient}/", {"bed": "3"}),
        ("get", "/api/procedures/{procedure}/", None),
        ("get", "/api/procedures/{procedure}/events/", None),
        ("post", "/api/procedures/{procedure}/events/", {"kind": "ended", "at": "2026-02-10T12:55:00+01:00"}),
        ("get", "/api/procedures/{procedure}/timeline/", None),
        ("post", "/api/milestones/{milestone}/complete/", {"note": ""}),
        ("get", "/api/notifications/{notification}/", None),
        ("post", "/api/notifications/{notification}/acknowledge/", {}),
        ("get", "/api/procedures/{procedure}/pain-scores/", None),
        (
            "post",
            "/api/procedures/{procedure}/pain-scores/",
            {"score": 3, "recorded_at": "2026-02-10T12:55:00+01:00", "source": "staff"},
        ),
        ("get", "/api/procedures/{procedure}/observations/", None),
        ("get", "/api/procedures/{procedure}/complications/", None),
        ("get", "/api/alerts/{alert}/", None),
        ("post", "/api/alerts/{alert}/acknowledge/", {}),
    ],
)
def test_another_wards_objects_answer_404(bob, everything_on_ward_a, method, path, body):
    response = getattr(bob, method)(path.format(**everything_on_ward_a), body, format="json")

    assert response.status_code == 404


def test_lists_show_only_the_users_wards(bob, alice, admin_user, everything_on_ward_a, ward_b):
    assert [w["id"] for w in bob.get("/api/wards/").json()["results"]] == [ward_b.pk]
    for path in ["/api/patients/", "/api/procedures/", "/api/notifications/", "/api/alerts/"]:
        assert bob.get(path).json()["count"] == 0
        assert alice.get(path).json()["count"] > 0
        assert api_client(admin_user).get(path).json()["count"] > 0


def test_only_administrators_manage_staff(alice, admin_user, ward_a):
    created = api_client(admin_user).post(
        "/api/staff/",
        {"username": "claire", "password": "a-long-password-1", "role": "charge_nurse", "wards": [ward_a.pk],
         "phone": "06 98 76 54 32", "email": "claire@example.org"},
        format="json",
    )  # fmt: skip

    assert alice.get("/api/staff/").status_code == 403
    assert created.status_code == 201
    assert "password" not in created.json() and created.json()["phone"] == "+33698765432"
    assert Staff.objects.get(username="claire").check_password("a-long-password-1")


def test_a_retried_post_with_the_same_idempotency_key_records_once(alice, procedure):
    body = {"kind": "cement_injected", "at": "2026-02-10T12:50:00+01:00"}
    first = alice.post(f"/api/procedures/{procedure.pk}/events/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = alice.post(f"/api/procedures/{procedure.pk}/events/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = alice.post(
        f"/api/procedures/{procedure.pk}/events/", body | {"at": "2026-02-10T12:40:00+01:00"}, format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )  # fmt: skip

    elsewhere = alice.post(
        f"/api/procedures/{procedure.pk}/events/?ward=2", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )  # the same body with another query is another request (a FHIR booking's ?ward=)

    assert (first.status_code, again.status_code, other.status_code, elsewhere.status_code) == (201, 201, 422, 422)
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Event.history.count() == 1


def test_replies_kept_for_retries_are_purged_after_a_day_and_the_key_is_free_again(alice, nurse_a, procedure, clock):
    from procedures.tasks import purge_idempotency_keys
    from tracker.api.models import IdempotencyKey

    body = {"kind": "started", "at": "2026-02-10T12:50:00+01:00"}
    alice.post(f"/api/procedures/{procedure.pk}/events/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    clock.shift(dt.timedelta(hours=23))
    assert purge_idempotency_keys.apply().result == 0
    clock.shift(dt.timedelta(hours=2))
    alice = api_client(nurse_a)  # the same nurse, logged in again a day later
    other = alice.post(
        f"/api/procedures/{procedure.pk}/events/", body | {"at": "2026-02-10T12:55:00+01:00"}, format="json",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )  # fmt: skip

    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert IdempotencyKey.objects.count() == 1
    clock.shift(dt.timedelta(hours=25))
    assert purge_idempotency_keys.apply().result == 1 and not IdempotencyKey.objects.exists()


def test_a_retried_create_makes_one_procedure(alice, patient):
    for _ in range(3):
        response = alice.post("/api/procedures/", new_procedure(patient.pk), format="json", HTTP_IDEMPOTENCY_KEY="p-7")
        assert response.status_code == 201

    assert Procedure.objects.count() == 1


def test_reads_and_changes_of_a_patients_record_are_logged(alice, nurse_a, procedure):
    alice.get(f"/api/procedures/{procedure.pk}/timeline/")
    alice.post(
        f"/api/procedures/{procedure.pk}/events/", {"kind": "cement_injected", "at": "2026-02-10T12:50:00+01:00"}
    )
    alice.get("/api/patients/")

    logged = list(AccessLog.objects.filter(patient=procedure.patient).order_by("at", "id").values_list(
        "user__username", "action", "what", "method"))  # fmt: skip
    assert logged == [("alice", "read", "timeline", "GET"), ("alice", "create", "event", "POST"),
                      ("alice", "read", "patient", "GET")]  # fmt: skip


def make_patients(ward, nurse, count: int) -> None:
    for i in range(count):
        patient = Patient.objects.create(
            mrn=f"Q{i}", given_name="Q", family_name=f"P{i}", birth_date="1950-01-01", ward=ward
        )
        procedure = Procedure.objects.create(
            patient=patient, kind="vertebroplasty", indication="other", levels=["L1"], anaesthesia="local",
            scheduled_at=timezone.now(), protocol_id=1,
        )  # fmt: skip
        record_event(procedure=procedure, kind="cement_injected", at=timezone.now(), by=nurse)


@pytest.mark.parametrize("path", ["/api/patients/", "/api/procedures/", "/api/notifications/", "/api/wards/"])
def test_lists_run_the_same_number_of_queries_whatever_the_page_size(
    alice, ward_a, nurse_a, path, django_assert_max_num_queries, django_assert_num_queries
):
    make_patients(ward_a, nurse_a, 12)
    with django_assert_max_num_queries(12) as small:
        alice.get(path, {"page_size": 2})
    with django_assert_num_queries(len(small.captured_queries)):
        alice.get(path, {"page_size": 12})


def test_timeline_queries_do_not_grow_with_milestones(alice, procedure, nurse_a, django_assert_max_num_queries):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(hours=3), by=nurse_a)
    with django_assert_max_num_queries(12) as few:
        alice.get(f"/api/procedures/{procedure.pk}/timeline/")
    record_event(procedure=procedure, kind="ended", at=NOW - dt.timedelta(hours=2), by=nurse_a)
    record_event(procedure=procedure, kind="discharged", at=NOW, by=nurse_a)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = alice.get(f"/api/procedures/{procedure.pk}/timeline/")
    assert len(response.json()["milestones"]) > 15


def test_the_openapi_schema_and_the_offline_docs(alice):
    schema = alice.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = alice.get("/api/docs/")

    assert schema.status_code == 200 and "/api/procedures/{id}/timeline/" in schema.json()["paths"]
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower() and "/static/drf_spectacular_sidecar/" in docs.content.decode()


@pytest.mark.parametrize("query", [{"search": "\x00 "}, {"ward": "\x00"}, {"status": "a\x00"}])
def test_a_null_character_in_a_query_is_a_400_not_a_500(alice, query):
    assert alice.get("/api/patients/" if "status" not in query else "/api/procedures/", query).status_code == 400


@pytest.mark.parametrize("ward", ["²", "١", "x"])
def test_a_ward_that_is_not_a_plain_number_is_a_400_naming_it(alice, ward):
    response = alice.get("/api/patients/", {"ward": ward})
    assert (response.status_code, list(response.json())) == (400, ["ward"])


@pytest.mark.parametrize(
    "path, query",
    [
        ("/api/procedures/", {"status": "done"}),
        ("/api/notifications/", {"procedure": "x"}),
        ("/api/alerts/", {"status": "closed"}),
        ("/api/patients/", {"ward": "1.5"}),
        ("/api/notifications/", {"ward": "²"}),
    ],
)
def test_a_bad_filter_is_a_400_naming_it_on_every_list(alice, path, query):
    response = alice.get(path, query)

    assert response.status_code == 400
    assert list(response.json()) == list(query) and all(isinstance(m, str) for m in response.json()[next(iter(query))])


def test_the_filters_narrow_the_list_and_one_procedure_is_found_by_its_id_alone(alice, procedure):
    assert alice.get("/api/procedures/", {"status": "cancelled"}).json()["results"] == []
    assert alice.get("/api/procedures/", {"status": "scheduled"}).json()["results"][0]["id"] == procedure.pk
    assert alice.get(f"/api/procedures/{procedure.pk}/", {"status": "cancelled"}).status_code == 200


def test_a_step_that_records_observations_is_not_completed_without_them(alice, procedure, nurse_a):
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=40), by=nurse_a)
    record_event(procedure=procedure, kind="ended", at=NOW - dt.timedelta(minutes=30), by=nurse_a)
    obs_1 = procedure.milestones.get(step__code="obs_1")

    refused = alice.post(f"/api/milestones/{obs_1.pk}/complete/", {"note": ""}, format="json")
    done = alice.post(f"/api/procedures/{procedure.pk}/observations/", {
        "recorded_at": "2026-02-10T12:59:00+01:00", "milestone": obs_1.pk, "systolic_bp": 128, "diastolic_bp": 76,
        "pulse": 70, "spo2": 97, "temperature": "36.9", "leg_strength": "normal", "leg_sensation": "normal",
        "puncture_site": "clean",
    }, format="json")  # fmt: skip

    assert refused.status_code == 400 and "observation check" in refused.json()["note"][0]
    assert done.status_code == 201
    obs_1.refresh_from_db()
    assert obs_1.completed_by == nurse_a


def test_an_administrator_sets_a_wards_quiet_hours_as_clock_times(admin_user, ward_a):
    admin = api_client(admin_user)

    refused = admin.patch(f"/api/wards/{ward_a.pk}/", {"quiet_hours_start": "25:00"}, format="json")
    changed = admin.patch(f"/api/wards/{ward_a.pk}/", {"quiet_hours_start": "20:30"}, format="json")

    assert (refused.status_code, list(refused.json())) == (400, ["quiet_hours_start"])
    assert changed.json()["quiet_hours_start"] == "20:30" and changed.json()["quiet_hours_end"] == "08:00"
    ward_a.refresh_from_db()
    assert ward_a.quiet_hours_start == dt.time(20, 30)


def test_json_nested_too_deeply_is_a_400_not_a_500(alice, patient):
    body = "[" * 100_000 + "]" * 100_000

    response = alice.post("/api/procedures/", body, content_type="application/json")

    assert response.status_code == 400 and "nested too deeply" in response.json()["detail"]


def test_a_ward_s_language_is_an_added_field_and_labels_follow_the_request_s_language(
    admin_user, alice, ward_a, procedure, nurse_a
):
    admin = api_client(admin_user)
    record_event(procedure=procedure, kind="cement_injected", at=NOW - dt.timedelta(minutes=9), by=nurse_a)

    listed = admin.get(f"/api/wards/{ward_a.pk}/").json()
    refused = admin.patch(f"/api/wards/{ward_a.pk}/", {"language": "xx"}, format="json")
    changed = admin.patch(f"/api/wards/{ward_a.pk}/", {"language": "fr"}, format="json")
    english = hardened(alice.get(f"/api/procedures/{procedure.pk}/timeline/").json()["milestones"])
    french = hardened(
        alice.get(f"/api/procedures/{procedure.pk}/timeline/", HTTP_ACCEPT_LANGUAGE="fr").json()["milestones"]
    )

    assert listed["language"] == "en" and {"timezone", "quiet_hours_start", "quiet_hours_end"} <= set(listed)
    assert (refused.status_code, list(refused.json())) == (400, ["language"])
    assert changed.json()["language"] == "fr"
    assert (english["label"], french["label"]) == ("Cement hardened", "Ciment durci")


def hardened(milestones: list[dict]) -> dict:
    return next(milestone for milestone in milestones if milestone["code"] == "cement_hardened")


def test_the_docs_offer_a_way_to_log_in_to_someone_without_a_session(client, nurse_a):
    anonymous = client.get("/api/docs/")
    bad_token = client.get("/api/docs/", HTTP_AUTHORIZATION="Token nonsense")
    client.force_login(nurse_a)
    logged_in = client.get("/api/docs/")

    page = anonymous.content.decode()
    assert (anonymous.status_code, anonymous["WWW-Authenticate"]) == (401, "Token")
    assert 'href="/accounts/login/?next=/api/docs/"' in page and "Log in to read the documentation" in page
    assert bad_token.status_code == 401 and "drf_spectacular_sidecar" not in bad_token.content.decode()
    assert logged_in.status_code == 200 and "/static/drf_spectacular_sidecar/" in logged_in.content.decode()


def test_the_log_in_link_of_the_docs_speaks_french(client, db):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})

    page = client.get("/api/docs/").content.decode()

    assert '<html lang="fr">' in page and "Se connecter pour lire la documentation" in page
