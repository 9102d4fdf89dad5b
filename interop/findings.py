"""What was measured and found after the procedure, as Observations: pain (LOINC 72514-3), the vital
signs of each observation check after FHIR's vital-signs profiles, and the nurse's examination of
the legs, the puncture site and the bladder (category exam, coded values)."""

from interop.codes import (
    BLOOD_PRESSURE,
    DIASTOLIC,
    EXAM_SNOMED,
    LOINC,
    OBSERVATION_CATEGORY,
    PAIN_LOINC,
    SNOMED,
    SYSTOLIC,
    UCUM,
    VITALS,
    VITALS_PANEL,
    local_system,
)
from interop.references import instant, ref
from procedures.models import ObservationCheck, PainScore, Procedure

CATEGORY_DISPLAY = {"vital-signs": "Vital Signs", "exam": "Exam", "survey": "Survey"}
# The examined element, its label, and the local code system of its values.
EXAMS = {
    "leg_strength": ("Leg strength", "neuro-status"),
    "leg_sensation": ("Leg sensation", "neuro-status"),
    "puncture_site": ("Puncture site", "puncture-site"),
    "bladder": ("Bladder", "bladder"),
}


def profile(name: str) -> dict:
    return {"profile": [f"http://hl7.org/fhir/StructureDefinition/{name}"]}


def category(code: str) -> list[dict]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code, "display": CATEGORY_DISPLAY[code]}]}]


def loinc(*codes: tuple[str, str]) -> dict:
    return {
        "coding": [{"system": LOINC, "code": code, "display": display} for code, display in codes],
        "text": codes[0][1],
    }


def quantity(value, unit: str) -> dict:
    return {"value": value if isinstance(value, int) else float(value), "unit": unit, "system": UCUM, "code": unit}


def pain_observation(procedure: Procedure, pain: PainScore) -> dict:
    if pain.recorded_by_id:
        performer = [ref("Practitioner", pain.recorded_by_id)]
    else:  # the patient's own reply, or a baseline nobody signed
        performer = [ref("Patient", procedure.patient_id)] if pain.source == PainScore.Source.PATIENT else None
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": category("survey"),
        "code": {"coding": [{"system": LOINC, "code": PAIN_LOINC[0], "display": PAIN_LOINC[1]}]},
        "subject": ref("Patient", procedure.patient_id),
        "partOf": [ref("Procedure", procedure.pk)],
        "effectiveDateTime": instant(pain.recorded_at),
        "performer": performer,
        "valueInteger": pain.score,
        "method": {"text": pain.get_source_display()},
    }


def check_observations(procedure: Procedure, check: ObservationCheck) -> list[tuple[str, dict]]:
    """(key, Observation) for one check: the vital-signs panel first, then one per sign, then the examination.

    The panel keeps the key the whole check had before it was split (check/{pk})."""
    key = f"check/{check.pk}"
    vitals = [
        (f"{key}/blood-pressure", blood_pressure(procedure, check)),
        *[(f"{key}/{name}", vital_sign(procedure, check, name)) for name in VITALS],
    ]
    exams = [(f"{key}/{field.replace('_', '-')}", exam(procedure, check, field)) for field in EXAMS]
    panel = observed(procedure, check, "vital-signs") | {
        "meta": profile("vitalspanel"),
        "code": loinc(VITALS_PANEL),
        "hasMember": [ref("Observation", member) for member, _ in vitals],
    }
    return [(key, panel), *vitals, *exams]


def observed(procedure: Procedure, check: ObservationCheck, kind: str) -> dict:
    """What every Observation of one check shares: who, when, by whom."""
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": category(kind),
        "subject": ref("Patient", procedure.patient_id),
        "partOf": [ref("Procedure", procedure.pk)],
        "effectiveDateTime": instant(check.recorded_at),
        "performer": [ref("Practitioner", check.recorded_by_id)],
    }


def blood_pressure(procedure: Procedure, check: ObservationCheck) -> dict:
    return observed(procedure, check, "vital-signs") | {
        "meta": profile("bp"),
        "code": loinc(BLOOD_PRESSURE),
        "component": [
            {"code": loinc(SYSTOLIC), "valueQuantity": quantity(check.systolic_bp, "mm[Hg]")},
            {"code": loinc(DIASTOLIC), "valueQuantity": quantity(check.diastolic_bp, "mm[Hg]")},
        ],
    }


def vital_sign(procedure: Procedure, check: ObservationCheck, name: str) -> dict:
    profile_name, code, extra, field, unit = VITALS[name]
    return observed(procedure, check, "vital-signs") | {
        "meta": profile(profile_name),
        "code": loinc(code, *extra),
        "valueQuantity": quantity(getattr(check, field), unit),
    }


def exam(procedure: Procedure, check: ObservationCheck, field: str) -> dict:
    label, value_system = EXAMS[field]
    value = getattr(check, field)
    display = str(getattr(check, f"get_{field}_display")())
    codings = [{"system": local_system(value_system), "code": value, "display": display}]
    if (field, value) in EXAM_SNOMED:
        snomed, snomed_display = EXAM_SNOMED[field, value]
        codings.insert(0, {"system": SNOMED, "code": snomed, "display": snomed_display})
    return observed(procedure, check, "exam") | {
        "code": {"coding": [{"system": local_system("observation"), "code": field, "display": label}], "text": label},
        "valueCodeableConcept": {"coding": codings, "text": display},
    }
