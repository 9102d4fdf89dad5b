"""Code systems and codes used in the FHIR resources; see shared/clinical/PROTOCOL.md. None invented:
where no standard code was verified (the procedure in SNOMED CT, the observation check as a whole,
leg strength), a local code system or text only is used."""

from django.conf import settings

SNOMED = "http://snomed.info/sct"
CPT = "http://www.ama-assn.org/go/cpt"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"

PAIN_LOINC = ("72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")
# The FHIR vital-signs profile's LOINC codes.
VITALS = {
    "systolic_bp": ("8480-6", "Systolic blood pressure", "mm[Hg]"),
    "diastolic_bp": ("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    "pulse": ("8867-4", "Heart rate", "/min"),
    "spo2": ("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    "temperature": ("8310-5", "Body temperature", "Cel"),
}

# CPT codes by kind: (first level in the cervical/thoracic region, first level lumbar, each additional level).
# Cervical kyphoplasty has no code in that list: it is sent with the local code only.
CPT_CODES = {
    "vertebroplasty": {"C": "22510", "T": "22510", "L": "22511", "additional": "22512"},
    "kyphoplasty": {"T": "22513", "L": "22514", "additional": "22515"},
}
CPT_KIND = {code: kind for kind, codes in CPT_CODES.items() for code in codes.values()}


def local_system(name: str) -> str:
    return f"{settings.FHIR_LOCAL_SYSTEM_BASE.rstrip('/')}/{name}"
