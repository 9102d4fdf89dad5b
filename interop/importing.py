"""Booking procedures from the hospital record: a FHIR Procedure (with its Patient) in, a scheduled
procedure out, matched by MRN and by the record's procedure identifier so that a repeated post
changes nothing.

A payload is read and checked in full (`read_order`, no database) before anything is stored
(`store`, one transaction), so an invalid payload saves nothing."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from pydantic import ValidationError as FhirInvalid

from interop.codes import CPT, CPT_KIND, SNOMED, local_system
from interop.models import ExternalProcedure
from procedures.levels import SNOMED_CODES
from procedures.models import Patient, Procedure, Staff, Ward
from procedures.models.procedures import clean_levels
from procedures.timeline import schedule_procedure

LEVEL_OF_SNOMED = {code: level for level, code in SNOMED_CODES.items()}
MRN_LENGTH = Patient._meta.get_field("mrn").max_length
MRN_TAKEN = "This MRN is already registered and is not one of your wards' patients; ask an administrator."
EXTERNAL_ID_LENGTH = ExternalProcedure._meta.get_field("value").max_length
# A FHIR dateTime with its time and offset; fhir.resources also accepts a bare date or year.
DATETIME_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# A planned procedure outside these years is a typing error; the bounds also keep every
# milestone computed from it (months later) inside what Python and PostgreSQL can hold.
PLANNED_YEARS = range(2000, 2200)
# A booking nests about ten levels (Bundle.entry[0].resource.contained[0].name[0].given[0]); an
# extension may nest in an extension, but not this deep in any record we have seen.
MAX_DEPTH = 40
# Where each model field comes from in the FHIR resources, to name it in an OperationOutcome.
PATIENT_ELEMENTS = {
    "mrn": "Patient.identifier", "given_name": "Patient.name", "family_name": "Patient.name",
    "birth_date": "Patient.birthDate", "phone": "Patient.telecom", "email": "Patient.telecom",
    "language": "Patient.communication",
}  # fmt: skip
PROCEDURE_ELEMENTS = {
    "levels": "Procedure.bodySite", "anaesthesia": "Procedure.extension", "kind": "Procedure.code",
    "indication": "Procedure.reasonCode", "scheduled_at": "Procedure.performedDateTime",
}  # fmt: skip


class Invalid(Exception):
    """The payload cannot be booked; `issues` are (FHIRPath expression, message) pairs.

    `code` is the OperationOutcome issue type: "invalid" for a bad payload, "conflict" when it
    contradicts what is stored."""

    def __init__(self, issues: list[tuple[str, str]], code: str = "invalid"):
        super().__init__("; ".join(f"{where}: {what}" for where, what in issues))
        self.issues = issues
        self.code = code


@dataclass
class Booking:
    procedure: Procedure
    created: bool


@dataclass(frozen=True)
class Order:
    """A booking read from the payload: identifiers and model field values, cleaned."""

    mrn: str
    external_id: str
    patient: dict
    procedure: dict


def book(payload, *, ward: Ward | None, by: Staff) -> Booking:
    """Create or update the patient and the scheduled procedure; the same payload twice changes nothing."""
    order = read_order(payload)
    try:
        return store(order, ward=ward, by=by)
    except IntegrityError:
        # The same patient or procedure was posted twice at once and the other post committed
        # first (its insert won the unique MRN or identifier). Now the lookups find its rows.
        return store(order, ward=ward, by=by)


# Reading the payload


def read_order(payload) -> Order:
    procedure_resource, patient_resource = parse(payload)
    if procedure_resource.get("status") != "preparation":
        raise Invalid([("Procedure.status", "Only a planned procedure (status preparation) can be booked.")])
    return Order(
        mrn=identifier(patient_resource, settings.FHIR_MRN_SYSTEM, "Patient", max_length=MRN_LENGTH),
        external_id=identifier(
            procedure_resource, settings.FHIR_PROCEDURE_ID_SYSTEM, "Procedure", max_length=EXTERNAL_ID_LENGTH
        ),
        patient=patient_fields(patient_resource),
        procedure=procedure_fields(procedure_resource),
    )


def parse(payload) -> tuple[dict, dict]:
    """Return (Procedure, Patient) resources as dicts from a Procedure with a contained Patient, or a Bundle.

    The dicts are the validated resources dumped without nulls, so every element read later has
    the type FHIR gives it."""
    kind = payload.get("resourceType") if isinstance(payload, dict) else None
    model = {"Procedure": FhirProcedure, "Bundle": Bundle}.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise Invalid([("resourceType", "Send a JSON object: a Procedure (with a contained Patient) or a Bundle.")])
    refuse_null_characters(payload, kind)
    refuse_unknown_resources(payload, kind)
    try:
        resource = model.model_validate(payload).model_dump(mode="json", exclude_none=True)
    except FhirInvalid as error:
        raise Invalid([(fhir_path(kind, e["loc"]), e["msg"]) for e in error.errors()]) from None
    if kind == "Bundle":
        return bundle_parts(resource)
    contained = [r for r in resource.get("contained", []) if r.get("resourceType") == "Patient"]
    if len(contained) != 1:
        raise Invalid([("Procedure.contained", "Contain exactly one Patient, referenced by Procedure.subject.")])
    return resource, contained[0]


def fhir_path(root: str, location: tuple) -> str:
    """A pydantic error location, ("contained", 0, "name"), as FHIRPath: Procedure.contained[0].name."""
    return root + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)


def bundle_parts(bundle: dict) -> tuple[dict, dict]:
    resources = [entry.get("resource", {}) for entry in bundle.get("entry", [])]
    procedures = [r for r in resources if r.get("resourceType") == "Procedure"]
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(procedures) != 1 or len(patients) != 1:
        raise Invalid([("Bundle.entry", "The Bundle must hold exactly one Patient and one Procedure.")])
    return procedures[0], patients[0]


def nodes(payload, root: str):
    """Yield (FHIRPath, value) for every value in the payload, the payload itself first.

    Refuses a payload nested deeper than MAX_DEPTH: fhir.resources validates recursively and
    would fail with a RecursionError."""
    stack = [(root, payload, 0)]
    while stack:  # a loop, not recursion, for the same reason
        path, node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Invalid([(path, f"Nested deeper than {MAX_DEPTH} levels.")])
        yield path, node
        if isinstance(node, dict):
            stack.extend((f"{path}.{key}", value, depth + 1) for key, value in node.items())
        elif isinstance(node, list):
            stack.extend((f"{path}[{index}]", value, depth + 1) for index, value in enumerate(node))


def refuse_null_characters(payload: dict, root: str) -> None:
    """PostgreSQL cannot store a NUL character: name the first string holding one."""
    for path, node in nodes(payload, root):
        keys = list(node) if isinstance(node, dict) else []
        if any("\x00" in text for text in [node, *keys] if isinstance(text, str)):
            raise Invalid([(path, "Null characters (\\u0000) are not allowed.")])


def refuse_unknown_resources(payload: dict, kind: str) -> None:
    """Check the embedded resources' types first: fhir.resources fails with a KeyError on an unknown one."""
    if kind == "Bundle":
        entries = payload.get("entry")
        for index, entry in enumerate(entries if isinstance(entries, list) else []):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict) and resource.get("resourceType") not in ("Patient", "Procedure"):
                raise Invalid([(f"Bundle.entry[{index}].resource.resourceType", "Only a Patient and a Procedure.")])
    for path, node in nodes(payload, kind):
        if isinstance(node, dict) and "resourceType" in node and not is_resource_type(node["resourceType"]):
            raise Invalid([(f"{path}.resourceType", "Not a FHIR R4B resource type.")])


def is_resource_type(name) -> bool:
    try:
        return isinstance(name, str) and get_fhir_model_class(name) is not None
    except (ValueError, KeyError):
        return False


def identifier(resource: dict, system: str, where: str, *, max_length: int) -> str:
    for found in resource.get("identifier", []):
        value = found.get("value", "")
        if found.get("system") == system and value.strip():
            if len(value) > max_length:
                raise Invalid([(f"{where}.identifier", f"The {system} identifier is longer than {max_length}.")])
            return value
    raise Invalid([(f"{where}.identifier", f"An identifier with system {system} is required.")])


def patient_fields(resource: dict) -> dict:
    """The Patient's model fields, cleaned as the model stores them (a phone in E.164, a date)."""
    name = (resource.get("name") or [{}])[0]
    telecom = {t.get("system"): t.get("value", "") for t in resource.get("telecom", [])}
    languages = [c.get("code") for comm in resource.get("communication", [])
                 for c in comm.get("language", {}).get("coding", [])]  # fmt: skip
    fields = {
        "given_name": " ".join(given for given in name.get("given", []) if given),
        "family_name": name.get("family", ""),
        "birth_date": resource.get("birthDate"),
        "phone": telecom.get("phone", ""),
        "email": telecom.get("email", ""),
        "language": next((code for code in languages if code in Patient.Language.values), "fr"),
    }
    missing = [key for key in ("given_name", "family_name", "birth_date") if not fields[key]]
    if missing:
        raise Invalid([(PATIENT_ELEMENTS[key], f"{key} is required.") for key in missing])
    candidate = Patient(**fields)
    try:
        candidate.full_clean(exclude=["mrn", "ward"], validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise Invalid(issues_of(error, PATIENT_ELEMENTS, "Patient")) from None
    return {key: getattr(candidate, key) for key in fields}


def procedure_fields(resource: dict) -> dict:
    """The Procedure's model fields, levels in spine order as the model stores them."""
    return {
        "kind": procedure_kind(resource),
        "levels": (levels := treated_levels(resource)),
        "indication": next(iter(codes(resource.get("reasonCode", []), local_system("indication"))),
                           Procedure.Indication.OTHER),
        "anaesthesia": next((e.get("valueCode") for e in resource.get("extension", [])
                             if e.get("url") == local_system("anaesthesia")),
                            "general" if len(levels) > 1 else "local"),
        "scheduled_at": planned_time(resource.get("performedDateTime")),
    }  # fmt: skip


def codes(concepts: list[dict], system: str) -> list[str]:
    return [c.get("code") for concept in concepts for c in concept.get("coding", []) if c.get("system") == system]


def procedure_kind(resource: dict) -> str:
    concept = [resource.get("code", {})]
    kinds = {CPT_KIND.get(code) for code in codes(concept, CPT)} | set(codes(concept, local_system("procedure")))
    kinds = {k for k in kinds if k in Procedure.Kind.values}
    if len(kinds) != 1:
        raise Invalid([("Procedure.code", "Give one CPT code of 22510–22515, or the local procedure code.")])
    return kinds.pop()


def treated_levels(resource: dict) -> list[str]:
    levels = []
    for index, site in enumerate(resource.get("bodySite", [])):
        found = codes([site], SNOMED)
        if not found or found[0] not in LEVEL_OF_SNOMED:
            raise Invalid([(f"Procedure.bodySite[{index}]", "Not a SNOMED CT vertebra code (C1–L5).")])
        levels.append(LEVEL_OF_SNOMED[found[0]])
    try:
        return clean_levels(levels)
    except ValidationError as error:
        raise Invalid(issues_of(error, PROCEDURE_ELEMENTS, "Procedure")) from None


def planned_time(raw) -> dt.datetime:
    where = "Procedure.performedDateTime"
    if not isinstance(raw, str) or not DATETIME_WITH_OFFSET.fullmatch(raw):
        raise Invalid([(where, "The planned time, with its offset, is required, e.g. 2026-03-10T09:00:00+01:00.")])
    try:
        moment = parse_datetime(raw)
        moment.astimezone(dt.UTC)
    except (ValueError, OverflowError, AttributeError):  # 23:59:60 (a leap second), past year 9999 in UTC
        raise Invalid([(where, "Not a valid time.")]) from None
    if moment.year not in PLANNED_YEARS:
        raise Invalid([(where, f"Plan the procedure between {PLANNED_YEARS[0]} and {PLANNED_YEARS[-1]}.")])
    return moment


def issues_of(error: ValidationError, elements: dict[str, str], resource: str) -> list[tuple[str, str]]:
    return [
        (elements.get(field, f"{resource}.{field}"), " ".join(messages))
        for field, messages in error.message_dict.items()
    ]


# Storing the booking


@transaction.atomic
def store(order: Order, *, ward: Ward | None, by: Staff) -> Booking:
    known = known_procedure(order, by=by)
    patient = upsert_patient(order.mrn, order.patient, ward=ward, by=by)
    if known:
        return Booking(update_procedure(known, order.procedure, by=by), created=False)
    try:
        procedure = schedule_procedure(patient=patient, by=by, **order.procedure)
    except ValidationError as error:
        raise Invalid(issues_of(error, PROCEDURE_ELEMENTS, "Procedure")) from None
    ExternalProcedure.objects.create(system=settings.FHIR_PROCEDURE_ID_SYSTEM, value=order.external_id,
                                     procedure=procedure)  # fmt: skip
    return Booking(procedure, created=True)


def known_procedure(order: Order, *, by: Staff) -> Procedure | None:
    """The procedure booked earlier under this identifier, locked; refused if it is not this patient's.

    A booked procedure never moves to another patient: a record that sends the same procedure
    identifier with another MRN is wrong about one of them, and moving it would show one
    patient's procedure to another's carers."""
    known = (
        ExternalProcedure.objects.select_related("procedure__patient")
        .select_for_update(of=("self", "procedure"))
        .filter(system=settings.FHIR_PROCEDURE_ID_SYSTEM, value=order.external_id)
        .first()
    )
    if known is None:
        return None
    if not Procedure.objects.visible_to(by).filter(pk=known.procedure_id).exists():
        # Answer as for an unknown ward: say nothing of the patient it belongs to.
        raise Invalid([("Procedure.identifier", "This procedure identifier is not one of your wards'.")])
    if known.procedure.patient.mrn != order.mrn:
        raise Invalid(
            [("Procedure.identifier", "This procedure identifier is already booked for another patient."),
             ("Patient.identifier", "The MRN is not the one of the patient this procedure is booked for.")],
            code="conflict",
        )  # fmt: skip
    return known.procedure


def upsert_patient(mrn: str, fields: dict, *, ward: Ward | None, by: Staff) -> Patient:
    patient = Patient.objects.select_for_update().filter(mrn=mrn).first()
    visible = patient is not None and Patient.objects.visible_to(by).filter(pk=patient.pk).exists()
    if not visible and ward is None:
        # The same answer for an unknown MRN and another ward's: a probe without a ward learns nothing.
        raise Invalid([("ward", "A new patient needs a ward: add ?ward=<id> to the URL.")])
    if patient is None:
        patient = Patient(mrn=mrn, ward=ward)
    elif not visible:
        # Refusing the duplicate says that the MRN is taken, and nothing else (README, Privacy).
        raise Invalid([("Patient.identifier", MRN_TAKEN)], code="conflict")
    elif all(getattr(patient, key) == value for key, value in fields.items()):
        return patient
    for key, value in fields.items():
        setattr(patient, key, value)
    try:
        patient.full_clean(validate_unique=False)  # a concurrent insert of this MRN fails on save instead
    except ValidationError as error:
        raise Invalid(issues_of(error, PATIENT_ELEMENTS, "Patient")) from None
    patient._history_user = by
    patient.save()
    return patient


def update_procedure(procedure: Procedure, fields: dict, *, by: Staff) -> Procedure:
    if all(getattr(procedure, key) == value for key, value in fields.items()):
        return procedure
    if procedure.status != Procedure.Status.SCHEDULED:
        raise Invalid([("Procedure", "This procedure has begun; change it on the ward, not from the record.")])
    for key, value in fields.items():
        setattr(procedure, key, value)
    try:
        procedure.full_clean()
    except ValidationError as error:
        raise Invalid(issues_of(error, PROCEDURE_ELEMENTS, "Procedure")) from None
    procedure._history_user = by
    procedure.save()
    return procedure


def operation_outcome(issues: list[tuple[str | None, str]], code: str = "invalid") -> dict:
    """An OperationOutcome with one error issue per (FHIRPath expression or None, message)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": code, "diagnostics": message} | ({"expression": [where]} if where else {})
            for where, message in issues
        ],
    }
