"""The tracker's local code systems as FHIR CodeSystems, each served at its URL
({FHIR_LOCAL_SYSTEM_BASE}/{name}) so that a reader can look up what a local code means.

Only the codes: no patient data (served without authentication, as the extension definitions)."""

from fhir.resources.R4B.codesystem import CodeSystem

from interop.codes import local_system
from interop.findings import EXAMS
from procedures.models import Complication, EventKind, ObservationCheck, Procedure, ProtocolStep

# name: (title, what it codes, the choices); the protocol steps are read from the protocols.
FIXED = {
    "procedure": ("Procedure kind", "The kind of vertebral augmentation.", Procedure.Kind.choices),
    "indication": ("Indication", "Why the procedure is done.", Procedure.Indication.choices),
    "complication": ("Complication", "A complication after the procedure.", Complication.Kind.choices),
    "event": (
        "Procedure event",
        "An event staff record; protocol steps are timed from some of them.",
        EventKind.choices,
    ),
    "observation": (
        "Examination",
        "What the nurse examines at an observation check.",
        [(field, label) for field, (label, _) in EXAMS.items()],
    ),
    "neuro-status": (
        "Legs compared with before",
        "Leg strength or sensation compared with before the procedure.",
        ObservationCheck.Neuro.choices,
    ),
    "puncture-site": ("Puncture site", "How the puncture site looks.", ObservationCheck.PunctureSite.choices),
    "bladder": ("Bladder", "Bladder function.", ObservationCheck.Bladder.choices),
}
NAMES = (*FIXED, "protocol-step")


def code_system(name: str) -> dict:
    if name == "protocol-step":
        title, purpose, concepts = "Protocol step", "A step of a recovery protocol.", protocol_steps()
    else:
        title, purpose, concepts = FIXED[name]
    resource = {
        "resourceType": "CodeSystem",
        "id": name,
        "url": local_system(name),
        "name": title.title().replace(" ", ""),
        "title": title,
        "status": "active",
        "publisher": "Recovery tracker",
        "description": purpose,
        "caseSensitive": True,
        "content": "complete",
        "concept": [{"code": code, "display": str(display)} for code, display in concepts],
    }
    return CodeSystem.model_validate(resource).model_dump(mode="json", exclude_none=True)


def protocol_steps() -> list[tuple[str, str]]:
    """Each step code of any protocol version, with its newest label."""
    steps = ProtocolStep.objects.order_by("code", "-protocol__version").distinct("code").values_list("code", "label")
    return list(steps)
