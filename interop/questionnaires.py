"""Questionnaires in and out as FHIR R4B: a site loads the instrument it holds a licence for, and any
questionnaire is exported; a procedure's answers leave as QuestionnaireResponses.

Texts in other languages ride on FHIR's standard translation extension; limits on the standard
minValue and maxValue extensions. Groups are flattened (their questions are kept, in order); items
whose display depends on another answer (enableWhen) are refused, since the patient's page asks every
question of a questionnaire.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from fhir.resources.R4B.questionnaire import Questionnaire as FhirQuestionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as FhirResponse
from pydantic import ValidationError as PydanticError

from interop.bindings import codes_outside_required_bindings
from interop.importing import Invalid
from interop.references import instant, ref
from procedures.models import Questionnaire, QuestionnaireItem, QuestionnaireResponse

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
TYPES = {"integer", "decimal", "choice", "boolean", "string", "text"}
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def canonical_url(code: str) -> str:
    return f"{settings.FHIR_LOCAL_SYSTEM_BASE}/Questionnaire/{code}"


def cnl_name(code: str) -> str:
    """A computer-friendly name (FHIR's cnl-0: starts with a capital): recovery-check -> RecoveryCheck."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", code) if part) or "Questionnaire"


def translations(texts: dict) -> dict | None:
    """The `_text` (or `_title`) element carrying the other languages, or None."""
    extensions = [
        {"url": TRANSLATION, "extension": [{"url": "lang", "valueCode": lang}, {"url": "content", "valueString": text}]}
        for lang, text in sorted(texts.items())
        if text
    ]
    return {"extension": extensions} if extensions else None


def number_extension(url: str, item: QuestionnaireItem, value: Decimal | None) -> dict | None:
    if value is None:
        return None
    if item.type == QuestionnaireItem.Type.INTEGER:
        return {"url": url, "valueInteger": int(value)}
    return {"url": url, "valueDecimal": float(value)}


def questionnaire_resource(questionnaire: Questionnaire) -> dict:
    """Any questionnaire as a FHIR R4B Questionnaire, validated."""
    resource = {
        "resourceType": "Questionnaire",
        "id": f"{questionnaire.code}-{questionnaire.version}",
        "url": canonical_url(questionnaire.code),
        "version": str(questionnaire.version),
        "name": cnl_name(questionnaire.code),
        "title": questionnaire.title,
        "_title": translations(questionnaire.titles),
        "status": "active" if questionnaire.is_published else "draft",
        "language": "en",
        "item": [item_resource(questionnaire, item) for item in questionnaire.items.all()],
    }
    return FhirQuestionnaire.model_validate(resource).model_dump(mode="json", exclude_none=True)


def item_resource(questionnaire: Questionnaire, item: QuestionnaireItem) -> dict:
    extensions = [
        e
        for e in (number_extension(MIN_VALUE, item, item.min_value), number_extension(MAX_VALUE, item, item.max_value))
        if e
    ]
    options = [
        {
            "valueCoding": {
                "system": f"{canonical_url(questionnaire.code)}/{item.link_id}",
                "code": option["code"],
                "display": option.get("display") or option["code"],
            }
        }
        for option in item.options
    ]
    return {
        "linkId": item.link_id,
        "text": item.text,
        "_text": translations(item.texts),
        "type": item.type,
        "required": item.required,
        "extension": extensions or None,
        "answerOption": options or None,
    }


@transaction.atomic
def load_questionnaire(payload: object) -> tuple[Questionnaire, bool]:
    """Store a FHIR Questionnaire as a published (status active) or draft version; return it and
    whether it is new. The same version again is accepted only if it says the same thing."""
    if not isinstance(payload, dict) or payload.get("resourceType") != "Questionnaire":
        raise Invalid([("Questionnaire", "Send a Questionnaire resource.")])
    try:
        FhirQuestionnaire.model_validate(payload)
    except PydanticError as error:
        raise Invalid([(".".join(["Questionnaire", *map(str, e["loc"])]), e["msg"]) for e in error.errors()]) from None
    if issues := codes_outside_required_bindings(payload, "Questionnaire"):
        raise Invalid(issues, code="code-invalid")
    code, version = read_code(payload), read_version(payload)
    items = [read_item(item, f"Questionnaire.item[{index}]") for index, item in flat_items(payload.get("item") or [])]
    if not items:
        raise Invalid([("Questionnaire.item", "A questionnaire needs at least one question.")])
    titles = read_translations(payload.get("_title"))
    fields = {"title": (payload.get("title") or payload.get("name") or code)[:200], "titles": titles}
    check_link_ids(items)
    existing = Questionnaire.objects.filter(code=code, version=version).first()
    if existing is not None:
        if signature(existing.items.all()) != signature(items):
            message = f"Version {version} of {code} exists and says something else: send it as a new version."
            raise Invalid([("Questionnaire.version", message)], code="conflict")
        return existing, False
    questionnaire = Questionnaire.objects.create(code=code, version=version, **fields)
    for order, item in enumerate(items):
        item.questionnaire, item.order = questionnaire, order
        try:
            item.full_clean()
        except ValidationError as error:
            raise Invalid([(f"Questionnaire.item[{item.link_id}]", " ".join(error.messages))]) from None
        item.save()
    if payload.get("status") == "active":
        questionnaire.publish()
    return questionnaire, True


def check_link_ids(items: list[QuestionnaireItem]) -> None:
    seen = set()
    for item in items:
        if item.link_id in seen:
            raise Invalid([("Questionnaire.item.linkId", f"{item.link_id} is the linkId of two questions.")])
        seen.add(item.link_id)


def signature(items) -> list[tuple]:
    """What a version says: each question, its type, limits and options, in order."""
    return [
        (i.link_id, i.text, i.type, i.required, i.min_value, i.max_value, [o["code"] for o in i.options]) for i in items
    ]


def flat_items(items: list, prefix: str = ""):
    """(index path, item) of every question, groups opened in order."""
    for index, item in enumerate(items):
        path = f"{prefix}{index}"
        if item.get("type") == "group":
            yield from flat_items(item.get("item") or [], f"{path}].item[")
        elif item.get("type") != "display":
            yield path, item


def read_code(payload: dict) -> str:
    """The questionnaire's code: the last part of its canonical URL, else its id, else its name."""
    candidates = [(payload.get("url") or "").rstrip("/").rsplit("/", 1)[-1], payload.get("id"), payload.get("name")]
    for candidate in filter(None, candidates):
        code = re.sub(r"[^a-z0-9]+", "-", candidate.lower()).strip("-")
        if CODE.match(code):
            return code
    raise Invalid([("Questionnaire.url", "Give the questionnaire a url, id or name to know it by.")])


def read_version(payload: dict) -> int:
    version = payload.get("version")
    if version is None:
        return 1
    if not (isinstance(version, str) and version.isascii() and version.isdigit() and 0 < int(version) < 2**31):
        raise Invalid([("Questionnaire.version", 'Give the version as a whole number, e.g. "2".')])
    return int(version)


def read_item(item: dict, where: str) -> QuestionnaireItem:
    link_id = item.get("linkId", "")
    if item.get("enableWhen"):
        message = "Questions shown only after another answer are not supported: every question is asked."
        raise Invalid([(f"{where}.enableWhen", message)], code="not-supported")
    kind = item.get("type")
    if kind not in TYPES:
        message = f"Questions of type {kind} are not supported: use one of {', '.join(sorted(TYPES))}, group, display."
        raise Invalid([(f"{where}.type", message)], code="not-supported")
    extensions = {e.get("url"): e for e in item.get("extension") or []}
    return QuestionnaireItem(
        link_id=link_id,
        text=(item.get("text") or link_id)[:500],
        texts=read_translations(item.get("_text")),
        type=kind,
        required=bool(item.get("required")),
        min_value=limit(extensions.get(MIN_VALUE)),
        max_value=limit(extensions.get(MAX_VALUE)),
        options=[read_option(option, f"{where}.answerOption") for option in item.get("answerOption") or []],
    )


def limit(extension: dict | None) -> Decimal | None:
    if extension is None:
        return None
    value = extension.get("valueInteger", extension.get("valueDecimal"))
    return None if value is None else Decimal(str(value))


def read_option(option: dict, where: str) -> dict:
    if "valueCoding" in option:
        coding = option["valueCoding"]
        return {"code": coding.get("code", ""), "display": coding.get("display") or coding.get("code", "")}
    for key in ("valueString", "valueInteger"):
        if key in option:
            return {"code": str(option[key]), "display": str(option[key])}
    raise Invalid([(where, "Give each option as a valueCoding, valueString or valueInteger.")])


def read_translations(element: object) -> dict:
    texts = {}
    for extension in (element or {}).get("extension") or [] if isinstance(element, dict) else []:
        if extension.get("url") != TRANSLATION:
            continue
        parts = {part.get("url"): part for part in extension.get("extension") or []}
        lang, content = parts.get("lang", {}).get("valueCode"), parts.get("content", {}).get("valueString")
        if lang and content:
            texts[lang] = content
    return texts


def response_resource(response: QuestionnaireResponse) -> dict:
    """One response as a FHIR QuestionnaireResponse about the procedure's patient."""
    questionnaire = response.questionnaire
    author = ref("Practitioner", response.recorded_by_id) if response.recorded_by_id else None
    items = {item.link_id: item for item in questionnaire.items.all()}
    resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{canonical_url(questionnaire.code)}|{questionnaire.version}",
        "status": "completed" if response.is_complete else "in-progress",  # in progress: a texted pain score
        "subject": ref("Patient", response.procedure.patient_id),
        "authored": instant(response.authored_at),
        "author": author,
        "source": ref("Patient", response.procedure.patient_id) if response.source == "patient" else author,
        "item": [
            {"linkId": link_id, "text": items[link_id].text, "answer": [answer_value(items[link_id], value)]}
            for link_id, value in response.answers.items()
            if link_id in items
        ],
    }
    return FhirResponse.model_validate(resource).model_dump(mode="json", exclude_none=True)


def answer_value(item: QuestionnaireItem, value) -> dict:
    if item.type == QuestionnaireItem.Type.CHOICE:
        display = next((o.get("display") for o in item.options if o.get("code") == value), value)
        system = f"{canonical_url(item.questionnaire.code)}/{item.link_id}"
        return {"valueCoding": {"system": system, "code": value, "display": display}}
    key = {"integer": "valueInteger", "decimal": "valueDecimal", "boolean": "valueBoolean"}.get(
        item.type, "valueString"
    )
    return {key: value}
