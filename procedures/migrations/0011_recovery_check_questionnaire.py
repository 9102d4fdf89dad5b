"""The tracker's own questionnaire, `recovery-check` version 1, in English and French.

Written for the tracker (no licensed instrument: sites that hold a licence for Roland-Morris, EQ-5D
or ODI load it themselves through the FHIR import). Pain at rest and on activity use the 0–10 scale
of shared/clinical/OUTCOMES.md. Red flags: pain at rest above the baseline (as for an SMS score),
pain on activity 3 points above it, a fall (a new fracture is possible), red-flag words in the
free text (legs, bladder, chest, fever, sudden new pain).
"""

from django.db import migrations
from django.utils import timezone

CODE = "recovery-check"


def option(code: str, english: str, french: str) -> dict:
    return {"code": code, "display": english, "displays": {"fr": french}}


ITEMS = [
    {
        "link_id": "pain_rest",
        "type": "integer",
        "required": True,
        "min_value": 0,
        "max_value": 10,
        "flag_above_baseline": 1,
        "text": "Your back pain at rest now, from 0 (no pain) to 10 (the worst pain you can imagine)",
        "fr": "Votre douleur du dos au repos maintenant, de 0 (aucune douleur) à 10 (la pire douleur imaginable)",
    },
    {
        "link_id": "pain_activity",
        "type": "integer",
        "required": True,
        "min_value": 0,
        "max_value": 10,
        "flag_above_baseline": 3,
        "text": "Your back pain when you move or walk, from 0 (no pain) to 10 (the worst pain you can imagine)",
        "fr": "Votre douleur du dos quand vous bougez ou marchez, de 0 (aucune douleur) à 10 (la pire douleur "
        "imaginable)",
    },
    {
        "link_id": "analgesics",
        "type": "choice",
        "required": True,
        "text": "Which painkillers do you take?",
        "fr": "Quels antidouleurs prenez-vous ?",
        "options": [
            option("none", "None", "Aucun"),
            option("occasionally", "Occasionally", "De temps en temps"),
            option("every_day", "Every day", "Tous les jours"),
            option("strong", "Strong painkillers (morphine or similar)", "Antidouleurs forts (morphine ou équivalent)"),
        ],
    },
    {
        "link_id": "mobility",
        "type": "choice",
        "required": True,
        "text": "How far can you move about?",
        "fr": "Jusqu’où pouvez-vous vous déplacer ?",
        "options": [
            option("bed_or_chair", "In bed or chair", "Au lit ou au fauteuil"),
            option("indoors", "Indoors", "À l’intérieur"),
            option("outdoors", "Outdoors", "À l’extérieur"),
            option("as_before", "As before the fracture", "Comme avant la fracture"),
        ],
    },
    {
        "link_id": "falls",
        "type": "boolean",
        "required": True,
        "flag_if_yes": True,
        "text": "Have you fallen since the procedure or your last answers?",
        "fr": "Êtes-vous tombé(e) depuis l’intervention ou vos dernières réponses ?",
    },
    {
        "link_id": "new_symptoms",
        "type": "text",
        "required": False,
        "flag_words": True,
        "text": "Anything new? For example weakness or numbness in the legs, trouble passing urine, fever, "
        "chest pain or breathlessness, a sudden new back pain",
        "fr": "Quelque chose de nouveau ? Par exemple faiblesse ou engourdissement des jambes, difficulté à uriner, "
        "fièvre, douleur dans la poitrine ou essoufflement, nouvelle douleur du dos soudaine",
    },
]


def ship(apps, schema_editor):
    Questionnaire = apps.get_model("procedures", "Questionnaire")
    QuestionnaireItem = apps.get_model("procedures", "QuestionnaireItem")
    if Questionnaire.objects.filter(code=CODE).exists():
        return
    questionnaire = Questionnaire.objects.create(
        code=CODE,
        version=1,
        title="Recovery check",
        titles={"fr": "Point sur votre rétablissement"},
        published_at=timezone.now(),
    )
    for order, item in enumerate(ITEMS):
        fields = {key: value for key, value in item.items() if key != "fr"}
        QuestionnaireItem.objects.create(questionnaire=questionnaire, order=order, texts={"fr": item["fr"]}, **fields)


def remove(apps, schema_editor):
    apps.get_model("procedures", "Questionnaire").objects.filter(code=CODE).delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0010_questionnaires")]
    operations = [migrations.RunPython(ship, remove)]
