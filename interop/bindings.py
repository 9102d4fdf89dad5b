"""The required value sets of the elements a booking carries (FHIR R4B), which fhir.resources does not
check: a code outside them (a gender of "F") is refused by name, not stored or silently ignored."""

import re

GENDER = {"male", "female", "other", "unknown"}
IDENTIFIER_USE = {"usual", "official", "temp", "secondary", "old"}
# By the element's path in its resource, indexes left out.
REQUIRED = {
    "Bundle.type": {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    },
    "Bundle.entry.request.method": {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"},
    "Patient.gender": GENDER,
    "Patient.contact.gender": GENDER,
    "Patient.link.type": {"replaced-by", "replaces", "refer", "seealso"},
    "Procedure.status": {
        "preparation",
        "in-progress",
        "not-done",
        "on-hold",
        "stopped",
        "completed",
        "entered-in-error",
        "unknown",
    },
    "ServiceRequest.status": {"draft", "active", "on-hold", "revoked", "completed", "entered-in-error", "unknown"},
    "ServiceRequest.intent": {
        "proposal",
        "plan",
        "directive",
        "order",
        "original-order",
        "reflex-order",
        "filler-order",
        "instance-order",
        "option",
    },
    "ServiceRequest.priority": {"routine", "urgent", "asap", "stat"},
    "Questionnaire.status": {"draft", "active", "retired", "unknown"},
    "Questionnaire.item.type": {
        "group",
        "display",
        "question",
        "boolean",
        "decimal",
        "integer",
        "date",
        "dateTime",
        "time",
        "string",
        "text",
        "url",
        "choice",
        "open-choice",
        "attachment",
        "reference",
        "quantity",
    },
}
# By the data type's element, wherever the data type is used (Patient.telecom, Patient.contact.telecom…).
REQUIRED_IN_DATA_TYPES = {
    "identifier.use": IDENTIFIER_USE,
    "telecom.system": {"phone", "fax", "email", "pager", "url", "sms", "other"},
    "telecom.use": {"home", "work", "temp", "old", "mobile"},
    "name.use": {"usual", "official", "temp", "nickname", "anonymous", "old", "maiden"},
    "address.use": {"home", "work", "temp", "old", "billing"},
    "address.type": {"postal", "physical", "both"},
}


def codes_outside_required_bindings(resource: dict, root: str, *, skip: str = "contained") -> list[tuple[str, str]]:
    """(FHIRPath, message) for each code of `resource` outside its element's required value set.

    The resources under `skip` (contained ones, or a Bundle's entries) are checked on their own."""
    issues = []
    stack = [(root, resource)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend((f"{path}.{key}", value) for key, value in node.items() if key != skip)
        elif isinstance(node, list):
            stack.extend((f"{path}[{index}]", value) for index, value in enumerate(node))
        elif (allowed := value_set(path)) and node not in allowed:
            issues.append((path, f"{node!r} is not a code of the required value set: {', '.join(sorted(allowed))}."))
    return sorted(issues)


def value_set(path: str) -> set[str] | None:
    element = re.sub(r"\[\d+\]", "", path)
    return REQUIRED.get(element) or REQUIRED_IN_DATA_TYPES.get(".".join(element.split(".")[-2:]))
