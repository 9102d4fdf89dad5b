"""Labels as data in every language, the French ones of the default protocol, and the ward's language.

The French labels are given to the default protocol's steps whose English label is still the one
it shipped with (a label a hospital rewrote is left for it to translate), and to every protocol's
observation limits. The admin edits them; a missing one shows in English.
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
        french = STEP_LABELS_FR.get((step.code, step.label))
        if french and not step.labels.get("fr"):
            ProtocolStep.objects.filter(pk=step.pk).update(labels={**step.labels, "fr": french})
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
        migrations.RunPython(add_french, remove_french),
    ]
