"""A procedure's recovery plan as a FHIR R4B Bundle (a collection, or a transaction to store).

Each builder returns a plain dict; `bundle_for` validates every resource with the fhir.resources
R4B models before it leaves. References inside the Bundle use each entry's fullUrl
(urn:uuid:…, stable for the same object; see interop.references). Observations are built in
interop.findings, complications in interop.complications, the protocol in interop.protocol.
"""

import datetime as dt
import re
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Prefetch
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.procedure import Procedure as FhirProcedure

from interop.codes import CPT, CPT_CODES, SNOMED, local_system
from interop.complications import adverse_event, complication_code, condition
from interop.extensions import ANAESTHESIA
from interop.findings import check_observations, pain_observation
from interop.protocol import plan_definition_url
from interop.questionnaires import response_resource
from interop.references import NAMESPACE, full_url, instant, ref
from notifications.models import Reminder
from procedures.levels import SNOMED_CODES
from procedures.models import Complication, Milestone, ObservationCheck, PainScore, Procedure, QuestionnaireResponse

XRAY_STEPS = ("xray_control", "xray_followup_1m")
BUNDLE_TYPES = ("collection", "transaction")


def bundle_for(procedure: Procedure, *, now: dt.datetime, kind: str = "collection") -> dict:
    """Return the procedure's Bundle, every resource validated.

    `kind` "transaction" gives the same resources as a transaction a FHIR server stores in one call
    (see `as_transaction`)."""
    procedure = (
        Procedure.objects.select_related("patient", "protocol")
        .prefetch_related(
            "events",
            Prefetch("pain_scores", PainScore.objects.select_related("recorded_by")),
            Prefetch("observations", ObservationCheck.objects.select_related("pain", "recorded_by")),
            Prefetch("complications", Complication.objects.select_related("reported_by")),
            Prefetch("milestones", Milestone.objects.select_related("step").order_by("due_at")),
            Prefetch("reminders", Reminder.objects.order_by("due_at", "id")),
            Prefetch(
                "responses",
                QuestionnaireResponse.objects.select_related(
                    "procedure", "questionnaire", "recorded_by"
                ).prefetch_related("questionnaire__items"),
            ),
        )
        .get(pk=procedure.pk)
    )
    discharged_at = next((e.at for e in procedure.events.all() if e.kind == "discharged"), None)
    complications = list(procedure.complications.all())
    resources = [
        ("Patient", procedure.patient.pk, patient_resource(procedure.patient)),
        ("Procedure", procedure.pk, procedure_resource(procedure)),
        ("CarePlan", procedure.pk, care_plan(procedure, now)),
        *[("Practitioner", staff.pk, practitioner(staff)) for staff in staff_involved(procedure)],
        *[("Condition", c.pk, condition(procedure, c, discharged_at=discharged_at)) for c in complications],
        *[("AdverseEvent", c.pk, adverse_event(procedure, c)) for c in complications],
        *[("Task", m.pk, task(procedure, m, now)) for m in procedure.milestones.all() if m.step.notifies_staff],
        *[
            ("ServiceRequest", m.pk, xray_request(procedure, m))
            for m in procedure.milestones.all()
            if m.step.code in XRAY_STEPS
        ],
        *[("CommunicationRequest", r.pk, communication_request(procedure, r)) for r in procedure.reminders.all()],
        *[
            ("Communication", r.pk, communication(procedure, r))
            for r in procedure.reminders.all()
            if r.status in (Reminder.Status.SENT, Reminder.Status.FAILED)
        ],
        *[("Observation", f"pain/{p.pk}", pain_observation(procedure, p)) for p in procedure.pain_scores.all()],
        *[
            ("Observation", key, observation)
            for c in procedure.observations.all()
            for key, observation in check_observations(procedure, c)
        ],
        *[("QuestionnaireResponse", r.pk, response_resource(r)) for r in procedure.responses.all()],
    ]
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, f"bundle/{procedure.pk}")),
        "type": "collection",
        "timestamp": instant(now),
        "entry": [{"fullUrl": full_url(kind, pk), "resource": resource} for kind, pk, resource in resources],
    }
    if kind == "transaction":
        bundle = as_transaction(bundle)
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


def booked_procedure(procedure: Procedure) -> dict:
    """The Procedure alone, as the reply to a booking: its Patient contained, so that its subject resolves."""
    procedure = (
        Procedure.objects.select_related("patient").prefetch_related("events", "complications").get(pk=procedure.pk)
    )
    resource = procedure_resource(procedure) | {
        "id": str(procedure.pk),
        "contained": [patient_resource(procedure.patient) | {"id": "patient"}],
        "subject": {"reference": "#patient"},
        "complicationDetail": None,  # the Conditions are not in the reply; their codes are, in `complication`
    }
    return FhirProcedure.model_validate(resource).model_dump(mode="json", exclude_none=True)


def as_transaction(bundle: dict) -> dict:
    """The same resources as a transaction: each entry created (POST), the Patient only if no patient
    with its MRN exists (`ifNoneExist`), so that storing a second procedure of the same patient, or
    the same export twice, does not duplicate the patient; references to it then point to the one found.
    Practitioners are matched on their identifier the same way, and the Procedure on the record's
    identifier when it has one."""
    entries = []
    for entry in bundle["entry"]:
        resource = entry["resource"]
        request = {"method": "POST", "url": resource["resourceType"]}
        identifier = (resource.get("identifier") or [None])[0]
        if identifier and resource["resourceType"] in ("Patient", "Practitioner", "Procedure"):
            request["ifNoneExist"] = identifier_search(identifier)
        entries.append(entry | {"request": request})
    return bundle | {
        "id": str(uuid.uuid5(NAMESPACE, f"transaction/{bundle['id']}")),
        "type": "transaction",
        "entry": entries,
    }


def identifier_search(identifier: dict) -> str:
    """A search on one identifier, escaped as FHIR search asks (\\ before | , $ and \\ in a token's
    parts) and then for a URL: identifier=urn:recovery-tracker:mrn|MRN-77."""
    system, value = (re.sub(r"([\\|,$])", r"\\\1", part) for part in (identifier["system"], identifier["value"]))
    return urlencode({"identifier": f"{system}|{value}"}, safe=":/|")


def staff_involved(procedure: Procedure) -> list:
    """Each nurse or doctor who recorded an observation, a pain score, a complication or answers, once."""
    people = [check.recorded_by for check in procedure.observations.all()]
    people += [pain.recorded_by for pain in procedure.pain_scores.all() if pain.recorded_by]
    people += [complication.reported_by for complication in procedure.complications.all()]
    people += [response.recorded_by for response in procedure.responses.all() if response.recorded_by]
    return list({person.pk: person for person in people}.values())


def practitioner(staff) -> dict:
    name = {"family": staff.last_name, "given": [staff.first_name] if staff.first_name else None}
    return {
        "resourceType": "Practitioner",
        "identifier": [{"system": local_system("staff"), "value": staff.username}],
        "name": [name if staff.last_name else {"text": staff.get_full_name() or staff.username}],
    }


def patient_resource(patient) -> dict:
    telecom = [{"system": "phone", "value": patient.phone, "use": "mobile"}] if patient.phone else []
    telecom += [{"system": "email", "value": patient.email}] if patient.email else []
    return {
        "resourceType": "Patient",
        "identifier": [{"system": settings.FHIR_MRN_SYSTEM, "value": patient.mrn}],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "birthDate": patient.birth_date.isoformat(),
        "telecom": telecom or None,
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]}, "preferred": True}
        ],
    }


PROCEDURE_STATUS = {
    "scheduled": "preparation",
    "in_progress": "in-progress",
    "recovering": "completed",
    "discharged": "completed",
}


def procedure_resource(procedure: Procedure) -> dict:
    events = {e.kind: e.at for e in procedure.events.all()}
    status = PROCEDURE_STATUS.get(procedure.status)
    if procedure.status == Procedure.Status.CANCELLED:
        status = "stopped" if "started" in events or "cement_injected" in events else "not-done"
    start = events.get("started") or events.get("cement_injected")
    performed = (
        {"performedPeriod": {"start": instant(start), "end": instant(events.get("ended"))}}
        if start
        else {"performedDateTime": instant(procedure.scheduled_at)}
    )
    return {
        "resourceType": "Procedure",
        "identifier": external_identifiers(procedure),
        "status": status,
        "code": procedure_code(procedure),
        "subject": ref("Patient", procedure.patient_id),
        **performed,
        "bodySite": [
            {"coding": [{"system": SNOMED, "code": SNOMED_CODES[level], "display": f"{level} vertebra"}], "text": level}
            for level in procedure.levels
        ],
        "reasonCode": [
            {
                "coding": [
                    {
                        "system": local_system("indication"),
                        "code": procedure.indication,
                        "display": procedure.get_indication_display(),
                    }
                ]
            }
        ],
        "complication": [complication_code(c) for c in procedure.complications.all()] or None,
        "complicationDetail": [ref("Condition", c.pk) for c in procedure.complications.all()] or None,
        "extension": [ANAESTHESIA(procedure.anaesthesia)],
    }


def external_identifiers(procedure: Procedure) -> list[dict] | None:
    external = getattr(procedure, "external_id", None)
    return [{"system": external.system, "value": external.value}] if external else None


def procedure_code(procedure: Procedure) -> dict:
    """CPT for the first level's region, the add-on code counted in the text; always the local code too."""
    codes = CPT_CODES[procedure.kind]
    primary = codes.get(procedure.levels[0][0])
    codings = [{"system": local_system("procedure"), "code": procedure.kind, "display": procedure.get_kind_display()}]
    text = f"{procedure.get_kind_display()} {', '.join(procedure.levels)}"
    if primary:
        codings.insert(0, {"system": CPT, "code": primary})
        extra = len(procedure.levels) - 1
        add_on = f" + {codes['additional']} ×{extra}" if extra else ""
        text += f" (CPT {primary}{add_on})"
    return {"coding": codings, "text": text}


ACTIVITY_STATUS = {
    "pending": "scheduled",
    "due": "not-started",
    "overdue": "not-started",
    "completed": "completed",
    "cancelled": "cancelled",
    "missed": "stopped",
}
TASK_STATUS = {
    "pending": "requested",
    "due": "ready",
    "overdue": "ready",
    "completed": "completed",
    "cancelled": "cancelled",
    "missed": "failed",
}


def step_code(milestone: Milestone) -> dict:
    return {
        "coding": [
            {"system": local_system("protocol-step"), "code": milestone.step.code, "display": milestone.step.label}
        ],
        "text": milestone.step.label,
    }


def care_plan(procedure: Procedure, now: dt.datetime) -> dict:
    cancelled = procedure.status == Procedure.Status.CANCELLED
    return {
        "resourceType": "CarePlan",
        "status": "revoked" if cancelled else ("completed" if is_finished(procedure, now) else "active"),
        "intent": "plan",
        "title": str(procedure.protocol),
        "instantiatesCanonical": [plan_definition_url(procedure.protocol)],
        "subject": ref("Patient", procedure.patient_id),
        "addresses": [ref("Condition", c.pk) for c in procedure.complications.all()] or None,
        "activity": [activity(m, now) for m in procedure.milestones.all()] or None,
    }


def is_finished(procedure: Procedure, now: dt.datetime) -> bool:
    milestones = list(procedure.milestones.all())
    return bool(milestones) and procedure.status == "discharged" and not any(m.is_open for m in milestones)


def activity(milestone: Milestone, now: dt.datetime) -> dict:
    status = milestone.status_at(now)
    return {
        "detail": {
            "kind": "Task" if milestone.step.notifies_staff else "CommunicationRequest",
            "code": step_code(milestone),
            "status": ACTIVITY_STATUS[status],
            "statusReason": {"text": status} if status in ("overdue", "missed") else None,
            "scheduledPeriod": {"start": instant(milestone.window_opens_at), "end": instant(milestone.due_at)},
            "description": milestone.step.action,
        }
    }


def task(procedure: Procedure, milestone: Milestone, now: dt.datetime) -> dict:
    return {
        "resourceType": "Task",
        "status": TASK_STATUS[milestone.status_at(now)],
        "intent": "plan",
        "code": step_code(milestone),
        "description": milestone.step.action,
        "for": ref("Patient", procedure.patient_id),
        "focus": ref("Procedure", procedure.pk),
        "basedOn": [ref("CarePlan", procedure.pk)],
        "restriction": {"period": {"start": instant(milestone.window_opens_at), "end": instant(milestone.due_at)}},
        "executionPeriod": {"end": instant(milestone.completed_at)} if milestone.completed_at else None,
        "note": [{"text": milestone.note}] if milestone.note else None,
    }


def xray_request(procedure: Procedure, milestone: Milestone) -> dict:
    status = "completed" if milestone.completed_at else ("revoked" if milestone.cancelled_at else "active")
    return {
        "resourceType": "ServiceRequest",
        "status": status,
        "intent": "plan",
        "code": {"text": f"X-ray of the treated vertebrae ({milestone.step.label})"},
        "subject": ref("Patient", procedure.patient_id),
        "basedOn": [ref("CarePlan", procedure.pk)],
        "occurrenceDateTime": instant(milestone.due_at),
        "bodySite": [
            {"coding": [{"system": SNOMED, "code": SNOMED_CODES[level]}], "text": level} for level in procedure.levels
        ],
    }


REQUEST_STATUS = {
    "scheduled": "active",
    "sending": "active",
    "sent": "completed",
    "failed": "completed",
    "cancelled": "revoked",
}


def communication_request(procedure: Procedure, reminder: Reminder) -> dict:
    return {
        "resourceType": "CommunicationRequest",
        "identifier": [{"system": local_system("reminder-key"), "value": reminder.key}],
        "status": REQUEST_STATUS[reminder.status],
        "priority": "urgent" if reminder.urgent else "routine",
        "subject": ref("Patient", procedure.patient_id),
        "occurrenceDateTime": instant(reminder.due_at),
        "medium": [{"text": reminder.get_channel_display()}],
        "recipient": [ref("Patient", procedure.patient_id)] if reminder.recipient_patient_id else None,
        "payload": [{"contentString": reminder.summary or reminder.topic}],
        "note": [{"text": f"To {reminder.recipient}"}],
    }


def communication(procedure: Procedure, reminder: Reminder) -> dict:
    sent = reminder.status == Reminder.Status.SENT
    return {
        "resourceType": "Communication",
        "basedOn": [ref("CommunicationRequest", reminder.pk)],
        "status": "completed" if sent else "not-done",
        "statusReason": None if sent else {"text": reminder.last_error[:200] or "failed"},
        "subject": ref("Patient", procedure.patient_id),
        "sent": instant(reminder.sent_at),
        "medium": [{"text": reminder.get_channel_display()}],
        "recipient": [ref("Patient", procedure.patient_id)] if reminder.recipient_patient_id else None,
    }
