"""Booking procedures from the hospital record: a FHIR Procedure (with its Patient) in, a scheduled
procedure out, matched by MRN and by the record's procedure identifier so that a repeated post
changes nothing."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from pydantic import ValidationError as FhirInvalid

from interop.codes import CPT, CPT_KIND, SNOMED, local_system
from interop.models import ExternalProcedure
from procedures.levels import SNOMED_CODES
from procedures.models import Patient, Procedure, Staff, Ward
from procedures.timeline import schedule_procedure

LEVEL_OF_SNOMED = {code: level for level, code in SNOMED_CODES.items()}


class Invalid(Exception):
    """The payload cannot be booked; `issues` are (FHIRPath expression, message) pairs."""

    def __init__(self, issues: list[tuple[str, str]]):
        super().__init__("; ".join(f"{where}: {what}" for where, what in issues))
        self.issues = issues


@dataclass
class Booking:
    procedure: Procedure
    created: bool


def parse(payload: dict) -> tuple[dict, dict]:
    """Return (Procedure, Patient) resources as dicts from a Procedure with a contained Patient, or a Bundle."""
    kind = payload.get("resourceType") if isinstance(payload, dict) else None
    model = {"Procedure": FhirProcedure, "Bundle": Bundle}.get(kind)
    if model is None:
        raise Invalid([("resourceType", "Send a Procedure (with a contained Patient) or a Bundle.")])
    try:
        model.model_validate(payload)
    except FhirInvalid as error:
        raise Invalid([(".".join(str(p) for p in e["loc"]) or kind, e["msg"]) for e in error.errors()]) from None
    if kind == "Bundle":
        resources = [entry.get("resource", {}) for entry in payload.get("entry", [])]
        procedures = [r for r in resources if r.get("resourceType") == "Procedure"]
        patients = [r for r in resources if r.get("resourceType") == "Patient"]
        if len(procedures) != 1 or len(patients) != 1:
            raise Invalid([("Bundle.entry", "The Bundle must hold exactly one Patient and one Procedure.")])
        return procedures[0], patients[0]
    contained = [r for r in payload.get("contained", []) if r.get("resourceType") == "Patient"]
    if len(contained) != 1:
        raise Invalid([("Procedure.contained", "Contain exactly one Patient, referenced by Procedure.subject.")])
    return payload, contained[0]


def identifier(resource: dict, system: str, where: str) -> str:
    for found in resource.get("identifier", []):
        if found.get("system") == system and found.get("value"):
            return found["value"]
    raise Invalid([(f"{where}.identifier", f"An identifier with system {system} is required.")])


def patient_fields(resource: dict) -> dict:
    name = (resource.get("name") or [{}])[0]
    telecom = {t.get("system"): t.get("value", "") for t in resource.get("telecom", [])}
    language = next(
        (c["code"] for comm in resource.get("communication", []) for c in comm.get("language", {}).get("coding", [])
         if c.get("code") in Patient.Language.values), "fr",
    )  # fmt: skip
    fields = {
        "given_name": " ".join(name.get("given", [])),
        "family_name": name.get("family", ""),
        "birth_date": resource.get("birthDate"),
        "phone": telecom.get("phone", ""),
        "email": telecom.get("email", ""),
        "language": language,
    }
    missing = [key for key in ("given_name", "family_name", "birth_date") if not fields[key]]
    if missing:
        raise Invalid([(f"Patient.{'name' if 'name' in k else 'birthDate'}", f"{k} is required.") for k in missing])
    return fields


def procedure_fields(resource: dict) -> dict:
    codings = resource.get("code", {}).get("coding", [])
    kinds = {CPT_KIND.get(c.get("code")) for c in codings if c.get("system") == CPT}
    kinds |= {c.get("code") for c in codings if c.get("system") == local_system("procedure")}
    kinds = {k for k in kinds if k in Procedure.Kind.values}
    if len(kinds) != 1:
        raise Invalid([("Procedure.code", "Give one CPT code of 22510–22515, or the local procedure code.")])
    levels = []
    for index, site in enumerate(resource.get("bodySite", [])):
        codes = [c.get("code") for c in site.get("coding", []) if c.get("system") == SNOMED]
        if not codes or codes[0] not in LEVEL_OF_SNOMED:
            raise Invalid([(f"Procedure.bodySite[{index}]", "Not a SNOMED CT vertebra code (C1–L5).")])
        levels.append(LEVEL_OF_SNOMED[codes[0]])
    reasons = [c.get("code") for r in resource.get("reasonCode", []) for c in r.get("coding", [])
               if c.get("system") == local_system("indication")]  # fmt: skip
    anaesthesia = [
        e.get("valueCode") for e in resource.get("extension", []) if e.get("url") == local_system("anaesthesia")
    ]
    scheduled = parse_datetime(resource.get("performedDateTime") or "")
    if scheduled is None:
        raise Invalid([("Procedure.performedDateTime", "The planned time, with its offset, is required.")])
    return {
        "kind": kinds.pop(),
        "levels": levels,
        "indication": reasons[0] if reasons else Procedure.Indication.OTHER,
        "anaesthesia": anaesthesia[0] if anaesthesia else ("general" if len(levels) > 1 else "local"),
        "scheduled_at": scheduled,
    }


@transaction.atomic
def book(payload: dict, *, ward: Ward | None, by: Staff) -> Booking:
    """Create or update the patient and the scheduled procedure; the same payload twice changes nothing."""
    procedure_resource, patient_resource = parse(payload)
    mrn = identifier(patient_resource, settings.FHIR_MRN_SYSTEM, "Patient")
    external = identifier(procedure_resource, settings.FHIR_PROCEDURE_ID_SYSTEM, "Procedure")
    if procedure_resource.get("status") != "preparation":
        raise Invalid([("Procedure.status", "Only a planned procedure (status preparation) can be booked.")])
    patient = upsert_patient(mrn, patient_fields(patient_resource), ward=ward, by=by)
    fields = procedure_fields(procedure_resource)
    known = (
        ExternalProcedure.objects.select_related("procedure")
        .filter(system=settings.FHIR_PROCEDURE_ID_SYSTEM, value=external)
        .first()
    )
    if known:
        return Booking(update_procedure(known.procedure, patient, fields, by=by), created=False)
    try:
        procedure = schedule_procedure(patient=patient, by=by, **fields)
    except ValidationError as error:
        raise Invalid(domain_issues(error)) from None
    ExternalProcedure.objects.create(system=settings.FHIR_PROCEDURE_ID_SYSTEM, value=external, procedure=procedure)
    return Booking(procedure, created=True)


def upsert_patient(mrn: str, fields: dict, *, ward: Ward | None, by: Staff) -> Patient:
    patient = Patient.objects.filter(mrn=mrn).first()
    if patient is None:
        if ward is None:
            raise Invalid([("ward", "A new patient needs a ward: add ?ward=<id> to the URL.")])
        patient = Patient(mrn=mrn, ward=ward)
    elif not Patient.objects.visible_to(by).filter(pk=patient.pk).exists():
        raise Invalid([("Patient.identifier", "This patient is on a ward you do not work on.")])
    changed = {k: v for k, v in fields.items() if str(getattr(patient, k) or "") != str(v or "")}
    if patient.pk and not changed:
        return patient
    for key, value in fields.items():
        setattr(patient, key, value)
    try:
        patient.full_clean()
    except ValidationError as error:
        raise Invalid([(f"Patient.{field}", " ".join(text)) for field, text in error.message_dict.items()]) from None
    patient._history_user = by
    patient.save()
    return patient


def update_procedure(procedure: Procedure, patient: Patient, fields: dict, *, by: Staff) -> Procedure:
    same = procedure.patient_id == patient.pk and all(getattr(procedure, k) == v for k, v in fields.items())
    if same:
        return procedure
    if procedure.status != Procedure.Status.SCHEDULED:
        raise Invalid([("Procedure", "This procedure has begun; change it on the ward, not from the record.")])
    for key, value in fields.items():
        setattr(procedure, key, value)
    procedure.patient = patient
    try:
        procedure.full_clean()
    except ValidationError as error:
        raise Invalid(domain_issues(error)) from None
    procedure._history_user = by
    procedure.save()
    return procedure


def domain_issues(error: ValidationError) -> list[tuple[str, str]]:
    where = {"levels": "Procedure.bodySite", "anaesthesia": "Procedure.extension", "kind": "Procedure.code",
             "scheduled_at": "Procedure.performedDateTime"}  # fmt: skip
    return [
        (where.get(field, f"Procedure.{field}"), " ".join(messages)) for field, messages in error.message_dict.items()
    ]


def operation_outcome(issues: list[tuple[str, str]]) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": "invalid", "diagnostics": message, "expression": [expression]}
            for expression, message in issues
        ],
    }
