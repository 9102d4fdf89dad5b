"""Version 2 of the default protocol: version 1 and the recovery check at the time points of studies.

Pain, painkillers and mobility before the procedure and at 1 week, 1, 3, 6 and 12 months
(shared/clinical/OUTCOMES.md: Trout 2005, Litin 2023). [design] choices: each window opens 3 days
before the due day (10:00 in the ward's zone, like the other messages to patients); the answers
count as late after 2 days; the window closes a week after the 1-week check and 3 weeks after the
later ones, when the step becomes missed. The check before the procedure reminds the ward's staff
at the scheduled time (the patient may also answer from her link in the week before); it stays
open 12 hours, since the procedure may start late, and a baseline counts only before the cement.
Procedures already scheduled keep version 1.

Shipped as a draft: the patient answers from her link once the questionnaire page is there
(issue 14, next round); until then an administrator who wants the schedule publishes it in the
admin, and from then new procedures follow it.
"""

import datetime as dt

from django.db import migrations

CODE = "vertebral-augmentation"
DAY = dt.timedelta(days=1)
TEN_AM = dt.time(10, 0)
ACTION = "The patient answers the recovery check: pain at rest and on activity, painkillers, mobility, falls."
ACTION_FR = "Le patient répond au point sur son rétablissement : douleur au repos et à l’effort, antidouleurs, mobilité, chutes."
LABELS_FR = {
    "prom_baseline": "Point sur le rétablissement avant l’intervention",
    "prom_1w": "Point sur le rétablissement (1 semaine)",
    **{f"prom_{months}m": f"Point sur le rétablissement ({months} mois)" for months in (1, 3, 6, 12)},
}
# code, label, anchor, offset, months, local time, window opens before, overdue after, closes after, audience
STEPS = [
    (
        "prom_baseline",
        "Recovery check before the procedure",
        "scheduled",
        dt.timedelta(0),
        0,
        None,
        7 * DAY,
        dt.timedelta(hours=1),
        dt.timedelta(hours=12),
        "staff",
    ),
    ("prom_1w", "Recovery check (1 week)", "cement_injected", 7 * DAY, 0, TEN_AM, 3 * DAY, 2 * DAY, 7 * DAY, "patient"),
    *[
        (
            f"prom_{months}m",
            f"Recovery check ({months} month{'s' if months > 1 else ''})",
            "cement_injected",
            dt.timedelta(0),
            months,
            TEN_AM,
            3 * DAY,
            2 * DAY,
            21 * DAY,
            "patient",
        )
        for months in (1, 3, 6, 12)
    ],
]


def add_version_2(apps, schema_editor):
    Protocol = apps.get_model("procedures", "Protocol")
    ProtocolStep = apps.get_model("procedures", "ProtocolStep")
    Questionnaire = apps.get_model("procedures", "Questionnaire")
    first = Protocol.objects.filter(code=CODE, version=1).first()
    if first is None or Protocol.objects.filter(code=CODE, version=2).exists():
        return  # a hospital that replaced the default protocol keeps its own
    questionnaire = Questionnaire.objects.get(code="recovery-check", version=1)
    second = Protocol.objects.create(
        code=CODE,
        version=2,
        name=first.name,
        description=first.description,
        pain_review_after_days=first.pain_review_after_days,
    )
    for row in [*first.steps.all(), *first.observation_limits.all()]:
        row.pk = None
        row.protocol = second
        row.save()
    last = max(second.steps.values_list("order", flat=True), default=0)
    for order, (code, label, anchor, offset, months, at, opens, overdue, closes, audience) in enumerate(
        STEPS, last + 1
    ):
        ProtocolStep.objects.create(
            protocol=second,
            code=code,
            label=label,
            anchor=anchor,
            offset=offset,
            offset_months=months,
            at_local_time=at,
            window_opens_before=opens,
            overdue_after=overdue,
            window_closes_after=closes,
            audience=audience,
            action=ACTION,
            records="questionnaire",
            questionnaire=questionnaire,
            message_key="questionnaire" if audience == "patient" else "",
            order=order,
            labels={"fr": LABELS_FR[code]},
            actions={"fr": ACTION_FR},
        )


def remove_version_2(apps, schema_editor):
    apps.get_model("procedures", "Protocol").objects.filter(code=CODE, version=2).delete()


class Migration(migrations.Migration):
    dependencies = [("procedures", "0012_window_closes_and_scheduled_anchor")]
    operations = [migrations.RunPython(add_version_2, remove_version_2)]
