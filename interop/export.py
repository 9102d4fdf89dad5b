"""A procedure's recovery plan as a FHIR R4B Bundle, and a protocol as a PlanDefinition.

Each builder returns a plain dict; `bundle_for` validates every resource with the fhir.resources
R4B models before it leaves. References inside the Bundle use each entry's fullUrl
(urn:uuid:…, stable for the same object).
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db.models import Prefetch
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.plandefinition import PlanDefinition

from interop.codes import (
    CPT,
    CPT_CODES,
    LOINC,
    OBSERVATION_CATEGORY,
    PAIN_LOINC,
    SNOMED,
    UCUM,
    VITALS,
    local_system,
)
from notifications.models import Reminder
from procedures.levels import SNOMED_CODES
from procedures.models import Milestone, ObservationCheck, Procedure, Protocol

NAMESPACE = uuid.UUID("6f6b1c55-3f7e-4f0e-9d1e-5a1c2b7d9e10")
XRAY_STEPS = ("xray_control", "xray_followup_1m")


def full_url(kind: str, pk) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}/{pk}')}"


def ref(kind: str, pk) -> dict:
    return {"reference": full_url(kind, pk)}


def instant(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if moment else None


def bundle_for(procedure: Procedure, *, now: dt.datetime) -> dict:
    """Return the procedure's Bundle (type collection), every resource validated."""
    procedure = (
        Procedure.objects.select_related("patient", "protocol")
        .prefetch_related(
            "events",
            "pain_scores",
            Prefetch("observations", ObservationCheck.objects.select_related("pain")),
            Prefetch("milestones", Milestone.objects.select_related("step").order_by("due_at")),
            Prefetch("reminders", Reminder.objects.order_by("due_at", "id")),
        )
        .get(pk=procedure.pk)
    )
    resources = [
        ("Patient", procedure.patient.pk, patient_resource(procedure.patient)),
        ("Procedure", procedure.pk, procedure_resource(procedure)),
        ("CarePlan", procedure.pk, care_plan(procedure, now)),
        *[("Task", m.pk, task(procedure, m, now)) for m in procedure.milestones.all() if m.step.notifies_staff],
        *[("ServiceRequest", m.pk, xray_request(procedure, m)) for m in procedure.milestones.all()
          if m.step.code in XRAY_STEPS],
        *[("CommunicationRequest", r.pk, communication_request(procedure, r)) for r in procedure.reminders.all()],
        *[("Communication", r.pk, communication(procedure, r)) for r in procedure.reminders.all()
          if r.status in (Reminder.Status.SENT, Reminder.Status.FAILED)],
        *[("Observation", f"pain/{p.pk}", pain_observation(procedure, p)) for p in procedure.pain_scores.all()],
        *[("Observation", f"check/{c.pk}", check_observation(procedure, c)) for c in procedure.observations.all()],
    ]  # fmt: skip
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, f"bundle/{procedure.pk}")),
        "type": "collection",
        "timestamp": instant(now),
        "entry": [{"fullUrl": full_url(kind, pk), "resource": resource} for kind, pk, resource in resources],
    }
    return Bundle.model_validate(bundle).model_dump(mode="json", exclude_none=True)


def patient_resource(patient) -> dict:
    telecom = [{"system": "phone", "value": patient.phone, "use": "mobile"}] if patient.phone else []
    telecom += [{"system": "email", "value": patient.email}] if patient.email else []
    return {
        "resourceType": "Patient",
        "identifier": [{"system": settings.FHIR_MRN_SYSTEM, "value": patient.mrn}],
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "birthDate": patient.birth_date.isoformat(),
        "telecom": telecom or None,
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]},
                           "preferred": True}],
    }  # fmt: skip


PROCEDURE_STATUS = {
    "scheduled": "preparation", "in_progress": "in-progress", "recovering": "completed", "discharged": "completed",
}  # fmt: skip


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
        "reasonCode": [{"coding": [{"system": local_system("indication"), "code": procedure.indication,
                                    "display": procedure.get_indication_display()}]}],
        "extension": [{"url": local_system("anaesthesia"), "valueCode": procedure.anaesthesia}],
    }  # fmt: skip


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
    "pending": "scheduled", "due": "not-started", "overdue": "not-started", "completed": "completed",
    "cancelled": "cancelled",
}  # fmt: skip
TASK_STATUS = {"pending": "requested", "due": "ready", "overdue": "ready", "completed": "completed",
               "cancelled": "cancelled"}  # fmt: skip


def step_code(milestone: Milestone) -> dict:
    return {"coding": [{"system": local_system("protocol-step"), "code": milestone.step.code,
                        "display": milestone.step.label}], "text": milestone.step.label}  # fmt: skip


def care_plan(procedure: Procedure, now: dt.datetime) -> dict:
    cancelled = procedure.status == Procedure.Status.CANCELLED
    return {
        "resourceType": "CarePlan",
        "status": "revoked" if cancelled else ("completed" if is_finished(procedure, now) else "active"),
        "intent": "plan",
        "title": str(procedure.protocol),
        "instantiatesCanonical": [plan_definition_url(procedure.protocol)],
        "subject": ref("Patient", procedure.patient_id),
        "addresses": None,
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
            "statusReason": {"text": "overdue"} if status == "overdue" else None,
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
        "bodySite": [{"coding": [{"system": SNOMED, "code": SNOMED_CODES[level]}], "text": level}
                     for level in procedure.levels],
    }  # fmt: skip


REQUEST_STATUS = {"scheduled": "active", "sending": "active", "sent": "completed", "failed": "completed",
                  "cancelled": "revoked"}  # fmt: skip


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
        "payload": [{"contentString": reminder.summary or reminder.message_key}],
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


def pain_observation(procedure: Procedure, pain) -> dict:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey"}]}],
        "code": {"coding": [{"system": LOINC, "code": PAIN_LOINC[0], "display": PAIN_LOINC[1]}]},
        "subject": ref("Patient", procedure.patient_id),
        "partOf": [ref("Procedure", procedure.pk)],
        "effectiveDateTime": instant(pain.recorded_at),
        "valueInteger": pain.score,
        "method": {"text": pain.get_source_display()},
    }


def check_observation(procedure: Procedure, check: ObservationCheck) -> dict:
    components = [
        {"code": {"coding": [{"system": LOINC, "code": code, "display": display}]},
         "valueQuantity": {"value": float(getattr(check, field)), "unit": unit, "system": UCUM, "code": unit}}
        for field, (code, display, unit) in VITALS.items()
    ] + [
        {"code": {"text": label}, "valueString": getattr(check, f"get_{field}_display")()}
        for field, label in [("leg_strength", "Leg strength"), ("leg_sensation", "Leg sensation"),
                             ("puncture_site", "Puncture site"), ("bladder", "Bladder")]
    ]  # fmt: skip
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": "vital-signs"}]}],
        "code": {"text": "Post-procedure observation check"},
        "subject": ref("Patient", procedure.patient_id),
        "partOf": [ref("Procedure", procedure.pk)],
        "effectiveDateTime": instant(check.recorded_at),
        "component": components,
    }


def plan_definition_url(protocol: Protocol) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/protocols/{protocol.code}/{protocol.version}/fhir/"


def plan_definition(protocol: Protocol) -> dict:
    actions = [
        {
            "title": step.label,
            "code": [{"coding": [{"system": local_system("protocol-step"), "code": step.code}]}],
            "description": f"{step.action} Anchor: {step.anchor}; audience: {step.audience}"
            + (f"; at {step.at_local_time:%H:%M} in the ward's zone" if step.at_local_time else ""),
            "timingDuration": duration(step),
        }
        for step in protocol.steps.all()
    ]
    resource = {
        "resourceType": "PlanDefinition",
        "url": plan_definition_url(protocol),
        "version": str(protocol.version),
        "name": protocol.code.replace("-", "_"),
        "title": protocol.name,
        "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type",
                             "code": "clinical-protocol"}]},
        "status": "active" if protocol.is_published else "draft",
        "date": instant(protocol.published_at),
        "description": protocol.description or protocol.name,
        "action": actions,
    }  # fmt: skip
    return PlanDefinition.model_validate(resource).model_dump(mode="json", exclude_none=True)


def duration(step) -> dict:
    if step.offset_months:
        return {"value": step.offset_months, "unit": "mo", "system": UCUM, "code": "mo"}
    return {"value": step.offset.total_seconds() / 60, "unit": "min", "system": UCUM, "code": "min"}
