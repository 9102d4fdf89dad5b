"""Booking procedures from the hospital record: a FHIR Procedure, or an order for one (a
ServiceRequest), with its Patient in, a scheduled procedure out, matched by MRN and by the record's
procedure identifier so that a repeated post changes nothing. Both resources are read by the same
code: what differs (status, the element holding the planned time) is in REQUESTS.

A payload is read and checked in full (`read_order`, no database) before anything is stored
(`store`, one transaction), so an invalid payload saves nothing."""

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.procedure import Procedure as FhirProcedure
from fhir.resources.R4B.servicerequest import ServiceRequest as FhirServiceRequest
from pydantic import ValidationError as FhirInvalid

from interop.bindings import codes_outside_required_bindings
from interop.codes import CPT, CPT_KIND, SNOMED, local_systems, snomed_procedure_kinds
from interop.extensions import ANAESTHESIA
from interop.models import ExternalProcedure
from procedures.levels import SNOMED_CODES
from procedures.models import Patient, Procedure, Staff, Ward
from procedures.models.procedures import clean_levels
from procedures.patients import register_patient, update_patient
from procedures.timeline import schedule_procedure, update_scheduled_procedure
from procedures.times import parse_time, scheduled_time

LEVEL_OF_SNOMED = {code: level for level, code in SNOMED_CODES.items()}
MRN_LENGTH = Patient._meta.get_field("mrn").max_length
MRN_TAKEN = "This MRN is already registered and is not one of your wards' patients; ask an administrator."
EXTERNAL_ID_LENGTH = ExternalProcedure._meta.get_field("value").max_length
# A FHIR dateTime with its time and offset; fhir.resources also accepts a bare date or year.
DATETIME_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# A booking nests about ten levels (Bundle.entry[0].resource.contained[0].name[0].given[0]); an
# extension may nest in an extension, but not this deep in any record we have seen.
MAX_DEPTH = 40
# Where each model field comes from in the FHIR resources, to name it in an OperationOutcome.
PATIENT_ELEMENTS = {
    "mrn": "Patient.identifier",
    "given_name": "Patient.name",
    "family_name": "Patient.name",
    "birth_date": "Patient.birthDate",
    "phone": "Patient.telecom",
    "email": "Patient.telecom",
    "language": "Patient.communication",
}
PROCEDURE_ELEMENTS = {
    "levels": "Procedure.bodySite",
    "anaesthesia": "Procedure.extension",
    "kind": "Procedure.code",
    "indication": "Procedure.reasonCode",
    "scheduled_at": "Procedure.performedDateTime",
}


@dataclass(frozen=True)
class Request:
    """A resource that books a procedure: what it must say, and where it holds the planned time."""

    model: type
    statuses: tuple[str, ...]
    intents: tuple[str, ...] | None
    planned_time: str
    refusal: str


ORDER_INTENTS = ("order", "original-order", "reflex-order", "filler-order", "instance-order")
REQUESTS = {
    "Procedure": Request(
        FhirProcedure,
        ("preparation",),
        None,
        "performedDateTime",
        "Only a planned procedure (status preparation) can be booked.",
    ),
    "ServiceRequest": Request(
        FhirServiceRequest,
        ("active",),
        ORDER_INTENTS,
        "occurrenceDateTime",
        "Only an active order (status active, intent order) can be booked.",
    ),
}


def elements_of(kind: str) -> dict[str, str]:
    """Where each model field comes from in a Procedure or a ServiceRequest, to name it in an OperationOutcome."""
    named = {field: element.replace("Procedure.", f"{kind}.") for field, element in PROCEDURE_ELEMENTS.items()}
    return named | {"scheduled_at": f"{kind}.{REQUESTS[kind].planned_time}"}


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
    resource_type: str = "Procedure"  # or ServiceRequest: named in the issues found while storing


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
    kind = procedure_resource["resourceType"]
    outside = codes_outside_required_bindings(patient_resource, "Patient")
    outside += codes_outside_required_bindings(procedure_resource, kind)
    if outside:
        raise Invalid(outside, code="code-invalid")
    request = REQUESTS[kind]
    if procedure_resource.get("status") not in request.statuses:
        raise Invalid([(f"{kind}.status", request.refusal)])
    if request.intents and procedure_resource.get("intent") not in request.intents:
        raise Invalid([(f"{kind}.intent", request.refusal)])
    return Order(
        mrn=identifier(patient_resource, settings.FHIR_MRN_SYSTEM, "Patient", max_length=MRN_LENGTH),
        external_id=identifier(
            procedure_resource, settings.FHIR_PROCEDURE_ID_SYSTEM, kind, max_length=EXTERNAL_ID_LENGTH
        ),
        patient=patient_fields(patient_resource),
        procedure=procedure_fields(procedure_resource),
        resource_type=kind,
    )


def parse(payload) -> tuple[dict, dict]:
    """Return (Procedure or ServiceRequest, Patient) resources as dicts from a Procedure or
    ServiceRequest with a contained Patient, or a Bundle.

    The dicts are the validated resources dumped without nulls, so every element read later has
    the type FHIR gives it."""
    kind = payload.get("resourceType") if isinstance(payload, dict) else None
    models = {name: request.model for name, request in REQUESTS.items()} | {"Bundle": Bundle}
    model = models.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise Invalid(
            [
                (
                    "resourceType",
                    "Send a JSON object: a Procedure or a ServiceRequest (with a contained Patient), or a Bundle.",
                )
            ]
        )
    refuse_null_characters(payload, kind)
    refuse_unknown_resources(payload, kind)
    try:
        resource = model.model_validate(payload).model_dump(mode="json", exclude_none=True)
    except FhirInvalid as error:
        raise Invalid([(fhir_path(kind, e["loc"]), e["msg"]) for e in error.errors()]) from None
    if kind == "Bundle":
        if outside := codes_outside_required_bindings(resource, "Bundle", skip="resource"):
            raise Invalid(outside, code="code-invalid")
        return bundle_parts(resource)
    contained = [r for r in resource.get("contained", []) if r.get("resourceType") == "Patient"]
    if len(contained) != 1:
        raise Invalid([(f"{kind}.contained", f"Contain exactly one Patient, referenced by {kind}.subject.")])
    refuse_another_subject(resource, {f"#{contained[0]['id']}"} if "id" in contained[0] else set(), "#id")
    return resource, contained[0]


def refuse_another_subject(resource: dict, patient_references: set[str], form: str) -> None:
    """The booked procedure is the sent Patient's: a subject naming anyone else is refused, not guessed."""
    kind = resource["resourceType"]
    if resource.get("subject", {}).get("reference") not in patient_references:
        raise Invalid([(f"{kind}.subject", f"Reference the Patient sent with the {kind} ({form}).")])


def fhir_path(root: str, location: tuple) -> str:
    """A pydantic error location, ("contained", 0, "name"), as FHIRPath: Procedure.contained[0].name."""
    return root + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location)


def bundle_parts(bundle: dict) -> tuple[dict, dict]:
    entries = bundle.get("entry", [])
    procedures = [e["resource"] for e in entries if e.get("resource", {}).get("resourceType") in REQUESTS]
    patients = [e for e in entries if e.get("resource", {}).get("resourceType") == "Patient"]
    if len(procedures) != 1 or len(patients) != 1:
        raise Invalid(
            [("Bundle.entry", "The Bundle must hold exactly one Patient and one Procedure or ServiceRequest.")]
        )
    patient = patients[0]["resource"]
    references = {patients[0].get("fullUrl"), "id" in patient and f"Patient/{patient['id']}"} - {None, False}
    refuse_another_subject(procedures[0], references, "its entry's fullUrl, or Patient/id")
    return procedures[0], patient


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
            if isinstance(resource, dict) and resource.get("resourceType") not in ("Patient", *REQUESTS):
                raise Invalid(
                    [
                        (
                            f"Bundle.entry[{index}].resource.resourceType",
                            "Only a Patient and a Procedure or ServiceRequest.",
                        )
                    ]
                )
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
    languages = [
        c.get("code") for comm in resource.get("communication", []) for c in comm.get("language", {}).get("coding", [])
    ]
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
    kind = resource["resourceType"]
    time_element = REQUESTS[kind].planned_time
    return {
        "kind": procedure_kind(resource),
        "levels": (levels := treated_levels(resource)),
        "indication": next(
            iter(codes(resource.get("reasonCode", []), *local_systems("indication"))), Procedure.Indication.OTHER
        ),
        # The extension's canonical URL, or the URL the first exports used.
        "anaesthesia": next(
            (
                e.get("valueCode")
                for e in resource.get("extension", [])
                if e.get("url") in (ANAESTHESIA.url, *local_systems("anaesthesia"))
            ),
            "general" if len(levels) > 1 else "local",
        ),
        "scheduled_at": planned_time(resource.get(time_element), where=f"{kind}.{time_element}"),
    }


def codes(concepts: list[dict], *systems: str) -> list[str]:
    return [c.get("code") for concept in concepts for c in concept.get("coding", []) if c.get("system") in systems]


def procedure_kind(resource: dict) -> str:
    concept = [resource.get("code", {})]
    snomed = snomed_procedure_kinds()
    kinds = {CPT_KIND.get(code) for code in codes(concept, CPT)} | set(codes(concept, *local_systems("procedure")))
    kinds |= {snomed.get(code) for code in codes(concept, SNOMED)}
    kinds = {k for k in kinds if k in Procedure.Kind.values}
    if len(kinds) != 1:
        message = "Give one CPT code of 22510–22515, a SNOMED CT code this tracker knows, or the local procedure code."
        raise Invalid([(f"{resource['resourceType']}.code", message)])
    return kinds.pop()


def treated_levels(resource: dict) -> list[str]:
    kind = resource["resourceType"]
    levels = []
    for index, site in enumerate(resource.get("bodySite", [])):
        found = codes([site], SNOMED)
        if not found or found[0] not in LEVEL_OF_SNOMED:
            raise Invalid([(f"{kind}.bodySite[{index}]", "Not a SNOMED CT vertebra code (C1–L5).")])
        levels.append(LEVEL_OF_SNOMED[found[0]])
    try:
        return clean_levels(levels)
    except ValidationError as error:
        raise Invalid(issues_of(error, elements_of(kind), kind)) from None


def planned_time(raw, *, where: str = "Procedure.performedDateTime") -> dt.datetime:
    if not isinstance(raw, str) or not DATETIME_WITH_OFFSET.fullmatch(raw):
        raise Invalid([(where, "The planned time, with its offset, is required, e.g. 2026-03-10T09:00:00+01:00.")])
    try:  # the tracker's rules for every planned time: one that exists, within two years of now
        return scheduled_time(parse_time(raw), now=timezone.now())
    except ValidationError as refused:
        raise Invalid([(where, " ".join(refused.messages))]) from None


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
        return Booking(update_procedure(known, order.procedure, by=by, kind=order.resource_type), created=False)
    try:
        procedure = schedule_procedure(patient=patient, by=by, **order.procedure)
    except ValidationError as error:
        raise Invalid(issues_of(error, elements_of(order.resource_type), order.resource_type)) from None
    ExternalProcedure.objects.create(
        system=settings.FHIR_PROCEDURE_ID_SYSTEM, value=order.external_id, procedure=procedure
    )
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
        raise Invalid([(f"{order.resource_type}.identifier", "This procedure identifier is not one of your wards'.")])
    if known.procedure.patient.mrn != order.mrn:
        raise Invalid(
            [
                (
                    f"{order.resource_type}.identifier",
                    "This procedure identifier is already booked for another patient.",
                ),
                ("Patient.identifier", "The MRN is not the one of the patient this procedure is booked for."),
            ],
            code="conflict",
        )
    return known.procedure


def upsert_patient(mrn: str, fields: dict, *, ward: Ward | None, by: Staff) -> Patient:
    patient = Patient.objects.select_for_update().filter(mrn=mrn).first()
    visible = patient is not None and Patient.objects.visible_to(by).filter(pk=patient.pk).exists()
    if not visible and ward is None:
        # The same answer for an unknown MRN and another ward's: a probe without a ward learns nothing.
        raise Invalid([("ward", "A new patient needs a ward: add ?ward=<id> to the URL.")])
    if patient is not None and not visible:
        # Refusing the duplicate says that the MRN is taken, and nothing else (README, Privacy).
        raise Invalid([("Patient.identifier", MRN_TAKEN)], code="conflict")
    try:
        if patient is None:
            return register_patient(mrn=mrn, ward=ward, by=by, **fields)
        return update_patient(patient=patient, by=by, **fields)
    except ValidationError as error:
        raise Invalid(issues_of(error, PATIENT_ELEMENTS, "Patient")) from None


def update_procedure(procedure: Procedure, fields: dict, *, by: Staff, kind: str = "Procedure") -> Procedure:
    try:
        return update_scheduled_procedure(procedure=procedure, by=by, **fields)
    except ValidationError as error:
        if "status" in error.message_dict:
            raise Invalid(
                [("Procedure", "This procedure has begun; change it on the ward, not from the record.")]
            ) from None
        raise Invalid(issues_of(error, elements_of(kind), kind)) from None


def operation_outcome(issues: list[tuple[str | None, str]], code: str = "invalid") -> dict:
    """An OperationOutcome with one error issue per (FHIRPath expression or None, message)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "error", "code": code, "diagnostics": message} | ({"expression": [where]} if where else {})
            for where, message in issues
        ],
    }
