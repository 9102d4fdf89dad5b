"""The FHIR extensions the tracker's resources use, and the StructureDefinition that defines each.

Each extension's URL is its canonical: `{FHIR_LOCAL_SYSTEM_BASE}/StructureDefinition/{name}`, where
the tracker serves its definition (see `interop.canonical_urls`), so a validator can resolve it.
"""

from dataclasses import dataclass

from django.conf import settings
from fhir.resources.R4B.structuredefinition import StructureDefinition

FHIR_VERSION = "4.3.0"  # R4B


@dataclass(frozen=True)
class Extension:
    name: str  # the last part of its canonical URL
    title: str
    description: str
    context: str  # the element it extends, as a FHIRPath expression
    value_type: str  # the FHIR type of its value[x]

    @property
    def url(self) -> str:
        return f"{canonical_base()}/StructureDefinition/{self.name}"

    def __call__(self, value) -> dict:
        """The extension element carrying `value`."""
        return {"url": self.url, f"value{self.value_type[0].upper()}{self.value_type[1:]}": value}


ANAESTHESIA = Extension(
    "anaesthesia",
    "Anaesthesia",
    "How the patient is anaesthetised for the procedure: `local` (deep local anaesthesia) or `general` "
    "(the usual choice when more than one level is treated).",
    "Procedure",
    "code",
)
CALENDAR_MONTHS = Extension(
    "calendar-months",
    "Calendar months",
    "The months of the `offsetDuration` beside it (unit `mo`) are calendar months counted in the ward's time "
    "zone: the same day of the month, or the month's last day when it has no such day (31 January + 1 month = "
    "28 or 29 February), not UCUM's mean month of 30.4375 days.",
    "PlanDefinition.action.relatedAction",
    "boolean",
)
ELAPSED_OFFSET = Extension(
    "elapsed-offset",
    "Elapsed offset before calendar months",
    "Elapsed time added to the related action's time before the calendar months of `offsetDuration`.",
    "PlanDefinition.action.relatedAction",
    "duration",
)
LOCAL_TIME = Extension(
    "local-time",
    "Local time of day",
    "The step is due at this clock time in the ward's time zone, on the day (in that zone) that the offset "
    "from the related action reaches; for example discharge + 1 day at 10:00.",
    "PlanDefinition.action.relatedAction",
    "time",
)
EXTENSIONS = {extension.name: extension for extension in (ANAESTHESIA, CALENDAR_MONTHS, ELAPSED_OFFSET, LOCAL_TIME)}


def canonical_base() -> str:
    return settings.FHIR_LOCAL_SYSTEM_BASE.rstrip("/")


def structure_definition(extension: Extension) -> dict:
    """The extension's definition: no patient data, so it is served to anyone (as FHIR's own are)."""
    value = "Extension.value[x]"
    resource = {
        "resourceType": "StructureDefinition",
        "id": extension.name,
        "url": extension.url,
        "name": extension.title.title().replace(" ", "").replace("-", ""),
        "title": extension.title,
        "status": "active",
        "publisher": "Recovery tracker",
        "description": extension.description,
        "fhirVersion": FHIR_VERSION,
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": extension.context}],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
        "differential": {
            "element": [
                {
                    "id": "Extension",
                    "path": "Extension",
                    "short": extension.title,
                    "definition": extension.description,
                    "min": 0,
                    "max": "1",
                },
                {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
                {"id": "Extension.url", "path": "Extension.url", "fixedUri": extension.url},
                {"id": value, "path": value, "min": 1, "type": [{"code": extension.value_type}]},
            ]
        },
    }
    return StructureDefinition.model_validate(resource).model_dump(mode="json", exclude_none=True)
