"""Patients' texts arriving through Twilio's webhook: signature, STOP, pain scores, red flags."""

import base64
import datetime as dt
import hashlib
import hmac

import pytest
import time_machine

from notifications.delivery import deliver
from notifications.dispatch import claim_due
from notifications.models import InboundMessage, PatientLink, Reminder
from notifications.patient_links import issue_link
from procedures.models import PainScore, Patient
from procedures.recording import record_pain_score
from procedures.timeline import record_event

TOKEN = "test-auth-token"  # the twilio_api fixture's
URL = "https://tracker.example.org/sms/inbound/"
NOW = dt.datetime(2026, 2, 14, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def signed_webhooks(settings):
    settings.TWILIO_AUTH_TOKEN, settings.TWILIO_INBOUND_URL = TOKEN, URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "tracker.example.org"]


@pytest.fixture
def recovering(procedure, nurse_a):
    """Injected on the 10th with a baseline pain of 6; now the 14th."""
    injected = dt.datetime(2026, 2, 10, 8, 0, tzinfo=dt.UTC)
    with time_machine.travel(injected, tick=False):
        record_pain_score(procedure=procedure, score=6, recorded_at=injected - dt.timedelta(hours=1),
                          source="baseline", by=nurse_a)  # fmt: skip
        record_event(procedure=procedure, kind="cement_injected", at=injected, by=nurse_a)
    return procedure


def twilio_signature(url: str, form: dict) -> str:
    """Twilio's documented scheme: HMAC-SHA1 over the URL and the sorted form's keys and values, base64."""
    signed = url + "".join(f"{key}{form[key]}" for key in sorted(form))
    return base64.b64encode(hmac.new(TOKEN.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def text(client, body: str, sid: str = "SM0001", sender: str = "+33612345678", signature: str | None = None):
    form = {"MessageSid": sid, "AccountSid": "AC" + "0" * 32, "From": sender, "To": "+33700000000", "Body": body}
    with time_machine.travel(NOW, tick=False):
        return client.post(
            "/sms/inbound/", form, HTTP_X_TWILIO_SIGNATURE=signature or twilio_signature(URL, form),
            HTTP_HOST="tracker.example.org", secure=True,
        )  # fmt: skip


def test_a_pain_score_is_recorded_and_acknowledged(client, recovering):
    response = text(client, "3")

    assert response.status_code == 200 and b"<Response>" in response.content
    pain = PainScore.objects.get(procedure=recovering, source="patient")
    assert (pain.score, pain.recorded_at, pain.recorded_by) == (3, NOW, None)
    thanks = Reminder.objects.get(kind="reply", recipient_patient__isnull=False)
    assert (thanks.message_key, thanks.channel, thanks.due_at) == ("reply_received", "sms", NOW)
    assert not Reminder.objects.filter(kind="alert").exists()


def test_pain_above_the_baseline_alerts_the_ward(client, recovering):
    text(client, "8/10")

    alert = Reminder.objects.get(kind="alert", channel="inapp")
    assert (alert.red_flag, alert.urgent, alert.recipient_role) == ("pain_above_baseline", True, "nurse")
    assert Reminder.objects.get(kind="reply", recipient_patient__isnull=False).message_key == "reply_alert"


@pytest.mark.parametrize(
    ("body", "flag"),
    [("I can't walk, legs numb", "legs"), ("J'ai de la fièvre et la plaie est rouge", "fever or wound")],
)
def test_red_flag_words_in_either_language_raise_an_urgent_alert(client, recovering, body, flag):
    text(client, body)

    alert = Reminder.objects.get(kind="alert", channel="inapp")
    assert (alert.red_flag, alert.urgent) == ("patient_reported", True)
    assert flag in alert.summary and alert.acknowledge_within == dt.timedelta(minutes=5)
    assert InboundMessage.objects.get().red_flags == [flag]


@pytest.mark.parametrize("word", ["STOP", "arrêt", "Arret"])
def test_stop_ends_every_message_at_once_is_confirmed_and_the_ward_sees_it(client, recovering, patient, word):
    planned = list(Reminder.objects.filter(recipient_patient=patient, status="scheduled").values_list("pk", flat=True))
    assert planned

    text(client, word)

    patient.refresh_from_db()
    assert patient.messaging_consent is False
    assert set(Reminder.objects.filter(pk__in=planned).values_list("status", flat=True)) == {"cancelled"}
    confirmation = Reminder.objects.get(kind="reply", recipient_patient=patient)
    assert (confirmation.message_key, confirmation.status) == ("stop_confirmation", "scheduled")
    notice = Reminder.objects.get(kind="reply", recipient_role="nurse")
    assert (notice.channel, notice.due_at) == ("inapp", NOW) and "STOP" in notice.summary


def test_a_forged_request_is_refused_and_changes_nothing(client, recovering, patient):
    response = text(client, "STOP", signature=twilio_signature("https://attacker.example/", {"Body": "STOP"}))

    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.messaging_consent is True and not InboundMessage.objects.exists()


def test_without_an_auth_token_every_request_is_refused(client, recovering, settings):
    settings.TWILIO_AUTH_TOKEN = ""

    assert text(client, "3").status_code == 403


def test_a_retried_webhook_is_read_once(client, recovering):
    text(client, "8")
    text(client, "8")

    assert PainScore.objects.filter(source="patient").count() == 1
    assert InboundMessage.objects.count() == 1 and Reminder.objects.filter(kind="alert", channel="inapp").count() == 1


def test_a_text_nobody_understands_goes_to_the_ward_to_read(client, recovering):
    text(client, "Can I take a shower?")

    notice = Reminder.objects.get(kind="reply")
    assert notice.recipient_role == "nurse" and "shower" in notice.summary


def test_a_number_nobody_has_is_kept_and_nothing_else(client, recovering):
    assert text(client, "STOP", sender="+447700900123").status_code == 200
    assert text(client, "STOP", sid="SM0002", sender="BANK").status_code == 200

    assert InboundMessage.objects.filter(patient=None).count() == 2
    assert not Reminder.objects.filter(kind="reply").exists()


def test_the_stop_confirmation_reaches_the_patient_in_french_and_nothing_after_it(client, recovering, twilio_api):
    text(client, "Arrêt")

    with time_machine.travel(NOW, tick=False):
        claimed = claim_due(NOW)
        outcomes = {deliver(pk, token, now=NOW) for pk, token in claimed}
    later = NOW + dt.timedelta(days=60)
    with time_machine.travel(later, tick=False):
        assert [pk for pk, _ in claim_due(later) if Reminder.objects.get(pk=pk).recipient_patient_id] == []

    assert outcomes == {"sent"}
    (sms,) = twilio_api.received
    assert sms["To"] == "+33612345678" and sms["Body"].startswith("Vous ne recevrez plus de messages")


@pytest.mark.parametrize("body", ["I took 2 paracetamol", "Ward 3 nurse called me"])
def test_a_number_inside_a_sentence_goes_to_the_ward_inbox_and_is_no_pain_score(client, recovering, body):
    assert text(client, body).status_code == 200

    assert not PainScore.objects.filter(source="patient").exists()
    notice = Reminder.objects.get(kind="reply", recipient_role="nurse")
    assert body in notice.summary and notice.ward == recovering.patient.ward
    assert not Reminder.objects.filter(kind="alert").exists()


def test_red_flag_words_beside_a_number_still_alert_without_a_score(client, recovering):
    text(client, "took 2 paracetamol but my legs are numb")

    assert not PainScore.objects.filter(source="patient").exists()
    assert Reminder.objects.get(kind="alert", channel="inapp").red_flag == "patient_reported"


@pytest.fixture
def sharing(recovering, patient, make_procedure, nurse_a, ward_b):
    """Her husband, on another ward, gave the same mobile number; both consented."""
    husband = Patient.objects.create(
        mrn="MRN-0002", given_name="Paul", family_name="Martin", birth_date=dt.date(1939, 6, 1), ward=ward_b,
        phone=patient.phone, language="fr", messaging_consent=True,
    )  # fmt: skip
    his = make_procedure(patient=husband)
    record_event(procedure=his, kind="cement_injected", at=NOW - dt.timedelta(hours=2), by=nurse_a)
    return husband, his


def test_stop_from_a_shared_number_withdraws_consent_for_everyone_on_it_and_is_confirmed_once(
    client, sharing, patient, twilio_api
):
    husband, _ = sharing
    for person in (patient, husband):
        issue_link(person)
    hers = Reminder.objects.filter(recipient_patient__in=[patient, husband], status="scheduled")
    planned = set(hers.values_list("recipient_patient", flat=True))
    assert planned == {patient.pk, husband.pk}

    text(client, "STOP")

    for person in (patient, husband):
        person.refresh_from_db()
        assert person.messaging_consent is False
        assert not PatientLink.objects.filter(patient=person, revoked_at=None).exists()
    assert PatientLink.objects.filter(revoked_at__isnull=False).count() == 2
    unsent = Reminder.objects.filter(recipient_patient__in=[patient, husband]).exclude(key__startswith="reply:")
    assert set(unsent.values_list("status", flat=True)) == {"cancelled"}
    notices = Reminder.objects.filter(kind="reply", recipient_role="nurse")
    assert {n.ward_id for n in notices} == {patient.ward_id, husband.ward_id}
    with time_machine.travel(NOW, tick=False):
        for pk, token in claim_due(NOW):
            deliver(pk, token, now=NOW)
    assert [sms["Body"][:24] for sms in twilio_api.received] == ["Vous ne recevrez plus de"]


@pytest.mark.parametrize("field", ["MessageSid", "From", "Body", "To", "AccountSid"])
def test_a_nul_byte_in_any_field_is_a_400_and_nothing_is_kept(client, recovering, field):
    form = {"MessageSid": "SM0009", "AccountSid": "AC" + "0" * 32, "From": "+33612345678", "To": "+33700000000",
            "Body": "3"}  # fmt: skip
    form[field] += "\x00"

    response = client.post(
        "/sms/inbound/", form, HTTP_X_TWILIO_SIGNATURE=twilio_signature(URL, form), HTTP_HOST="tracker.example.org",
        secure=True,
    )  # fmt: skip

    assert response.status_code == 400
    assert not InboundMessage.objects.exists() and not PainScore.objects.filter(source="patient").exists()
