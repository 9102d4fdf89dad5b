"""A protocol as a machine-readable PlanDefinition.

Each anchor event (cement injected, procedure ended, discharged…) is an action of its own, and each
step is related to its anchor's action by `relatedAction` (`after`, `offsetDuration`), so a
system can compute due times without reading the descriptions. What FHIR's Duration cannot say is
said by the tracker's extensions (interop.extensions): calendar months counted in the ward's zone,
and a clock time of day in that zone.
"""

import datetime as dt
import re

from django.conf import settings
from fhir.resources.R4B.plandefinition import PlanDefinition

from interop.codes import UCUM, local_system
from interop.extensions import CALENDAR_MONTHS, ELAPSED_OFFSET, LOCAL_TIME
from interop.references import instant
from procedures.models import EventKind, Protocol, ProtocolStep

# Whole units an offset is written in, largest first (UCUM codes).
UNITS = [("d", dt.timedelta(days=1)), ("h", dt.timedelta(hours=1)), ("min", dt.timedelta(minutes=1))]


def plan_definition_url(protocol: Protocol) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/protocols/{protocol.code}/{protocol.version}/fhir/"


def computable_name(code: str) -> str:
    """A protocol code as FHIR's computable name (cnl-0: [A-Z][A-Za-z0-9_]*): vertebral-augmentation →
    VertebralAugmentation."""
    name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", code))
    return name if name[:1].isalpha() and name[:1].isascii() else f"Protocol{name}"


def anchor_id(kind: str) -> str:
    return kind.replace("_", "-")  # an FHIR id has no underscore


def plan_definition(protocol: Protocol) -> dict:
    steps = list(protocol.steps.all())
    anchors = [kind for kind in EventKind if kind in {step.anchor for step in steps}]
    resource = {
        "resourceType": "PlanDefinition",
        "url": plan_definition_url(protocol),
        "version": str(protocol.version),
        "name": computable_name(protocol.code),
        "title": protocol.name,
        "type": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol"}
            ]
        },
        "status": "active" if protocol.is_published else "draft",
        "date": instant(protocol.published_at),
        "description": protocol.description or protocol.name,
        "action": [anchor_action(kind) for kind in anchors] + [step_action(step) for step in steps],
    }
    return PlanDefinition.model_validate(resource).model_dump(mode="json", exclude_none=True)


def anchor_action(kind: EventKind) -> dict:
    return {
        "id": anchor_id(kind),
        "title": str(kind.label),
        "code": [{"coding": [{"system": local_system("event"), "code": kind.value, "display": str(kind.label)}]}],
        "description": "Recorded by staff when it happens; the steps related to it are timed from that moment.",
    }


def step_action(step: ProtocolStep) -> dict:
    return {
        "title": step.label,
        "code": [{"coding": [{"system": local_system("protocol-step"), "code": step.code}]}],
        "description": f"{step.action} Anchor: {step.anchor}; audience: {step.audience}"
        + (f"; at {step.at_local_time:%H:%M} in the ward's zone" if step.at_local_time else ""),
        "timingDuration": duration(step),
        "relatedAction": [related_action(step)],
    }


def related_action(step: ProtocolStep) -> dict:
    """When the step is due, from its anchor: the elapsed offset, or calendar months (then, if any, the
    elapsed offset before them in an extension), and the local clock time of day."""
    extensions = []
    if step.offset_months:
        offset = {"value": step.offset_months, "unit": "mo", "system": UCUM, "code": "mo"}
        extensions.append(CALENDAR_MONTHS(True))
        if step.offset:
            extensions.append(ELAPSED_OFFSET(elapsed(step.offset)))
    else:
        offset = elapsed(step.offset)
    if step.at_local_time:
        extensions.append(LOCAL_TIME(step.at_local_time.isoformat()))
    return {
        "actionId": anchor_id(step.anchor),
        "relationship": "after",
        "offsetDuration": offset,
        "extension": extensions or None,
    }


def elapsed(offset: dt.timedelta) -> dict:
    """An elapsed offset in the largest whole UCUM unit: 12 h, not 720 min."""
    unit, size = next(((unit, size) for unit, size in UNITS if offset % size == dt.timedelta(0)), ("s", None))
    value = int(offset / size) if size else offset.total_seconds()
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def duration(step: ProtocolStep) -> dict:
    """The offset as the first version wrote it (minutes, or months), kept for the clients that read it."""
    if step.offset_months:
        return {"value": step.offset_months, "unit": "mo", "system": UCUM, "code": "mo"}
    return {"value": step.offset.total_seconds() / 60, "unit": "min", "system": UCUM, "code": "min"}
