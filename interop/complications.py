"""A complication as the record expects it: a Condition (what the patient has) and an AdverseEvent
(that it followed the procedure), the second pointing to the first and to the Procedure."""

import datetime as dt

from interop.codes import (
    ADVERSE_EVENT_SERIOUSNESS,
    ADVERSE_EVENT_SEVERITY,
    COMPLICATION_SNOMED,
    CONDITION_CATEGORY,
    CONDITION_CLINICAL,
    CONDITION_VERIFICATION,
    SEVERITY_SNOMED,
    SNOMED,
    local_system,
)
from interop.references import instant, ref
from procedures.models import Complication, Procedure


def complication_code(complication: Complication) -> dict:
    """SNOMED CT where one matches the kind exactly, the local code always."""
    display = complication.get_kind_display()
    codings = [{"system": local_system("complication"), "code": complication.kind, "display": display}]
    if complication.kind in COMPLICATION_SNOMED:
        code, snomed_display = COMPLICATION_SNOMED[complication.kind]
        codings.insert(0, {"system": SNOMED, "code": code, "display": snomed_display})
    return {"coding": codings, "text": display}


def condition(procedure: Procedure, complication: Complication, *, discharged_at: dt.datetime | None) -> dict:
    # Noted during the stay: a diagnosis of this encounter; noted after discharge (the patient's
    # report from home): an item for the problem list the next carer reads.
    during_stay = discharged_at is None or complication.noted_at < discharged_at
    category = (
        ("encounter-diagnosis", "Encounter Diagnosis") if during_stay else ("problem-list-item", "Problem List Item")
    )
    severity_code, severity_display = SEVERITY_SNOMED[complication.severity]
    notes = [complication.description, complication.actions_taken and f"Actions taken: {complication.actions_taken}"]
    return {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": CONDITION_VERIFICATION, "code": "confirmed"}]},
        "category": [{"coding": [{"system": CONDITION_CATEGORY, "code": category[0], "display": category[1]}]}],
        "severity": {"coding": [{"system": SNOMED, "code": severity_code, "display": severity_display}]},
        "code": complication_code(complication),
        "subject": ref("Patient", procedure.patient_id),
        "onsetDateTime": instant(complication.noted_at),
        "recordedDate": instant(complication.reported_at),
        "recorder": ref("Practitioner", complication.reported_by_id),
        "note": [{"text": text} for text in notes if text] or None,
    }


def adverse_event(procedure: Procedure, complication: Complication) -> dict:
    serious = complication.severity == Complication.Severity.SEVERE
    return {
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "event": complication_code(complication),
        "subject": ref("Patient", procedure.patient_id),
        "date": instant(complication.noted_at),
        "recordedDate": instant(complication.reported_at),
        "recorder": ref("Practitioner", complication.reported_by_id),
        "resultingCondition": [ref("Condition", complication.pk)],
        "seriousness": {
            "coding": [
                {
                    "system": ADVERSE_EVENT_SERIOUSNESS,
                    "code": "Serious" if serious else "Non-serious",
                    "display": "Serious" if serious else "Non-serious",
                }
            ]
        },
        "severity": {
            "coding": [
                {
                    "system": ADVERSE_EVENT_SEVERITY,
                    "code": complication.severity,
                    "display": complication.get_severity_display(),
                }
            ]
        },
        "suspectEntity": [{"instance": ref("Procedure", procedure.pk)}],
    }
