"""Code systems and codes used in the FHIR resources; see shared/clinical/PROTOCOL.md. None invented:
where no standard code was verified (the procedure in SNOMED CT, leg strength and sensation, most
complications), a local code system or text only is used. Each SNOMED CT code below was checked
against published FHIR value sets and terminology mappings."""

from django.conf import settings

SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
ADVERSE_EVENT_SERIOUSNESS = "http://terminology.hl7.org/CodeSystem/adverse-event-seriousness"
ADVERSE_EVENT_SEVERITY = "http://terminology.hl7.org/CodeSystem/adverse-event-severity"

PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")

# The FHIR vital-signs profiles (http://hl7.org/fhir/R4B/observation-vitalsigns.html): one
# Observation per sign, a LOINC code and a UCUM unit each; blood pressure is a panel of two components.
VITALS_PANEL = ("85353-1", "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel")
BLOOD_PRESSURE = ("85354-9", "Blood pressure panel with all children optional")
SYSTOLIC = ("8480-6", "Systolic blood pressure")
DIASTOLIC = ("8462-4", "Diastolic blood pressure")
HEART_RATE = ("8867-4", "Heart rate")
OXYGEN_SATURATION = ("2708-6", "Oxygen saturation in Arterial blood")
PULSE_OXIMETRY = ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry")
BODY_TEMPERATURE = ("8310-5", "Body temperature")
# (profile, code, extra codes, model field, UCUM unit) for each single-valued sign.
VITALS = {
    "heart-rate": ("heartrate", HEART_RATE, [], "pulse", "/min"),
    "oxygen-saturation": ("oxygensat", OXYGEN_SATURATION, [PULSE_OXIMETRY], "spo2", "%"),
    "body-temperature": ("bodytemp", BODY_TEMPERATURE, [], "temperature", "Cel"),
}

# SNOMED CT findings for the values of the nurse's examination, where one matches the value exactly.
EXAM_SNOMED = {
    ("bladder", "normal"): ("17621005", "Normal"),
    ("bladder", "retention"): ("267064002", "Retention of urine"),
    ("bladder", "incontinence"): ("165232002", "Urinary incontinence"),
    ("puncture_site", "bleeding"): ("131148009", "Bleeding"),
    ("puncture_site", "haematoma"): ("385494008", "Hematoma"),
}
# The complications with an exact SNOMED CT disorder; the others ("fever or wound infection",
# "chest pain or breathlessness", …) group several findings and keep the local code only.
COMPLICATION_SNOMED = {"haematoma": ("385494008", "Hematoma")}
# FHIR's condition-severity value set (SNOMED CT qualifiers).
SEVERITY_SNOMED = {"mild": ("255604002", "Mild"), "moderate": ("6736007", "Moderate"), "severe": ("24484000", "Severe")}

# CPT codes by kind: (first level in the cervical/thoracic region, first level lumbar, each additional level).
# Cervical kyphoplasty has no code in that list: it is sent with the local code only.
CPT_CODES = {
    "vertebroplasty": {"C": "22510", "T": "22510", "L": "22511", "additional": "22512"},
    "kyphoplasty": {"T": "22513", "L": "22514", "additional": "22515"},
}
CPT_KIND = {code: kind for kind, codes in CPT_CODES.items() for code in codes.values()}


def snomed_procedure_kinds() -> dict[str, str]:
    """The SNOMED CT procedure codes the hospital configured (FHIR_SNOMED_*_CODES), to each kind."""
    return {code: kind for kind, codes in settings.FHIR_SNOMED_PROCEDURE_CODES.items() for code in codes}


# Where the local code systems were before their base became an http(s) URL (the first default of
# FHIR_LOCAL_SYSTEM_BASE): still understood in what the record sends, never written.
FIRST_LOCAL_SYSTEM_BASE = "urn:recovery-tracker:codes"


def local_system(name: str) -> str:
    return f"{settings.FHIR_LOCAL_SYSTEM_BASE.rstrip('/')}/{name}"


def local_systems(name: str) -> tuple[str, str]:
    """The local code system's URL, and the one it had at first, for reading."""
    return local_system(name), f"{FIRST_LOCAL_SYSTEM_BASE}/{name}"
