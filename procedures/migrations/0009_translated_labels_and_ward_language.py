"""Labels as data in every language, the French ones of the default protocol, and the ward's language.

The French labels and actions are given to the default protocol's steps whose English text is
still the one it shipped with (a text a hospital rewrote is left for it to translate), and the
French names of the measures to every protocol's observation limits. The admin edits them; a missing one shows in English.
"""

from django.db import migrations, models

import procedures.models.people

STEP_LABELS_FR = {
    ("cement_hardened", "Cement hardened"): "Ciment durci",
    **{
        (f"obs_{n}", f"Observations {n} ({minutes} min)"): f"Surveillance {n} ({minutes} min)"
        for n, minutes in enumerate([15, 30, 45, 60, 90, 120], start=1)
    },
    ("may_stand", "May stand"): "Premier lever autorisé",
    ("xray_control", "Control X-ray"): "Radiographie de contrôle",
    ("discharge_check", "Discharge check"): "Vérifications avant la sortie",
    ("discharge_advice", "Discharge advice"): "Consignes de sortie",
    **{(f"pain_checkin_day{n}", f"Pain check-in day {n}"): f"Suivi de la douleur, jour {n}" for n in (1, 2, 3, 5, 7)},
    ("review_2w", "Two-week review"): "Consultation à deux semaines",
    ("xray_followup_1m", "Follow-up X-ray (1 month)"): "Radiographie de suivi (1 mois)",
    **{(f"review_{months}m", f"Review at {months} months"): f"Consultation à {months} mois" for months in (3, 6, 12)},
}
OBS_ACTION = "Blood pressure, pulse, SpO2, leg strength and sensation, puncture site, pain 0–10."
FOLLOW_UP_ACTION = "Pain 0–10 and disability score; new back pain means a new fracture is possible."
PAIN_ACTION = "Pain 0–10 by reply; a red flag or pain above baseline reaches the ward."
ACTIONS_FR = {
    "Cement has set (8–10 min); the patient may be moved flat.": (
        "Le ciment a pris (8 à 10 min) ; le patient peut être déplacé à plat."
    ),
    OBS_ACTION: "Pression artérielle, pouls, SpO2, force et sensibilité des jambes, point de ponction, douleur 0–10.",
    "Consolidation complete: first time up with help; pain before and after; neurological check of the legs.": (
        "Consolidation acquise : premier lever avec aide ; douleur avant et après ; examen neurologique des jambes."
    ),
    "Control X-ray done; flag any cement leak or new fracture.": (
        "Radiographie de contrôle faite ; signaler toute fuite de ciment ou nouvelle fracture."
    ),
    "Vital signs stable, legs as before, pain not above baseline, walking, wound dry, red-flag advice given, "
    "osteoporosis follow-up arranged.": (
        "Constantes stables, jambes comme avant, douleur pas au-dessus de la douleur initiale, marche, plaie sèche, "
        "signes d’alerte expliqués, suivi de l’ostéoporose organisé."
    ),
    "Red flags and the ward's phone number, sent to the patient.": (
        "Signes d’alerte et numéro de téléphone du service, envoyés au patient."
    ),
    PAIN_ACTION: (
        "Douleur 0–10 par réponse SMS ; un signe d’alerte ou une douleur supérieure à la douleur initiale "
        "est transmis au service."
    ),
    "Wound and pain review, in clinic or by phone.": (
        "Contrôle de la plaie et de la douleur, en consultation ou par téléphone."
    ),
    "Follow-up X-ray, pain and disability score.": "Radiographie de suivi, douleur et score d’incapacité.",
    FOLLOW_UP_ACTION: (
        "Douleur 0–10 et score d’incapacité ; une nouvelle douleur du dos peut annoncer une nouvelle fracture."
    ),
}
MEASURES_FR = {
    "systolic_bp": "PA systolique (mmHg)",
    "diastolic_bp": "PA diastolique (mmHg)",
    "pulse": "Pouls (/min)",
    "spo2": "SpO2 (%)",
    "temperature": "Température (°C)",
}


def add_french(apps, schema_editor):
    ProtocolStep = apps.get_model("procedures", "ProtocolStep")
    ObservationLimit = apps.get_model("procedures", "ObservationLimit")
    # .update(), not .save(): a published version is never changed in place, and a translation
    # shipped with it changes no meaning; the history would only show a migration as the author.
    for step in ProtocolStep.objects.filter(protocol__code="vertebral-augmentation"):
        label, action = STEP_LABELS_FR.get((step.code, step.label)), ACTIONS_FR.get(step.action)
        changes = {}
        if label and not step.labels.get("fr"):
            changes["labels"] = {**step.labels, "fr": label}
        if action and not step.actions.get("fr"):
            changes["actions"] = {**step.actions, "fr": action}
        if changes:
            ProtocolStep.objects.filter(pk=step.pk).update(**changes)
    for limit in ObservationLimit.objects.all():
        if not limit.labels.get("fr"):
            ObservationLimit.objects.filter(pk=limit.pk).update(
                labels={**limit.labels, "fr": MEASURES_FR[limit.measure]}
            )


def remove_french(apps, schema_editor):
    """Nothing to undo: the columns themselves go when the migration is reversed."""


class Migration(migrations.Migration):
    dependencies = [("procedures", "0008_observation_labels_translated")]

    operations = [
        migrations.AddField(
            model_name="historicalobservationlimit",
            name="labels",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='What red-flag texts call the measure in the other languages, by code: {"fr": "…"}.',
            ),
        ),
        migrations.AddField(
            model_name="historicalprotocolstep",
            name="labels",
            field=models.JSONField(
                blank=True, default=dict, help_text='The label in the other languages, by language code: {"fr": "…"}.'
            ),
        ),
        migrations.AddField(
            model_name="historicalward",
            name="language",
            field=models.CharField(
                choices=procedures.models.people.language_choices,
                default="en",
                help_text="The language of the messages sent to the ward's staff (SMS, e-mail, webhook, escalations).",
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="observationlimit",
            name="labels",
            field=models.JSONField(
                blank=True,
                default=dict,
                help_text='What red-flag texts call the measure in the other languages, by code: {"fr": "…"}.',
            ),
        ),
        migrations.AddField(
            model_name="protocolstep",
            name="labels",
            field=models.JSONField(
                blank=True, default=dict, help_text='The label in the other languages, by language code: {"fr": "…"}.'
            ),
        ),
        migrations.AddField(
            model_name="ward",
            name="language",
            field=models.CharField(
                choices=procedures.models.people.language_choices,
                default="en",
                help_text="The language of the messages sent to the ward's staff (SMS, e-mail, webhook, escalations).",
                max_length=8,
            ),
        ),
        migrations.AlterField(
            model_name="historicalprotocolstep",
            name="label",
            field=models.CharField(help_text="In English; the other languages are in `labels`.", max_length=200),
        ),
        migrations.AlterField(
            model_name="protocolstep",
            name="label",
            field=models.CharField(help_text="In English; the other languages are in `labels`.", max_length=200),
        ),
        migrations.AddField(
            model_name="historicalprotocolstep",
            name="actions",
            field=models.JSONField(
                blank=True, default=dict, help_text='The action in the other languages, by language code: {"fr": "…"}.'
            ),
        ),
        migrations.AddField(
            model_name="protocolstep",
            name="actions",
            field=models.JSONField(
                blank=True, default=dict, help_text='The action in the other languages, by language code: {"fr": "…"}.'
            ),
        ),
        migrations.AlterField(
            model_name="historicalprotocolstep",
            name="action",
            field=models.TextField(help_text="What is done or recorded at this step (in English)."),
        ),
        migrations.AlterField(
            model_name="protocolstep",
            name="action",
            field=models.TextField(help_text="What is done or recorded at this step (in English)."),
        ),
        migrations.RunPython(add_french, remove_french),
    ]
