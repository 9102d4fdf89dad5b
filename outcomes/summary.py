"""Keeping each procedure's PainSummary in step with its records, in the transaction of each write.

What the summary holds depends on the procedure's questionnaire responses (their pain at rest, time
and time point), its baseline pain scores and its cement time; a response's time point is its
milestone's step, and deleting a milestone unlinks its responses. A save or delete of any of those
(sources()) recomputes the row of its procedure from the records: a lock of the procedure,
`pain_rows` and an upsert, three queries a write. Writes that bypass save() and delete()
(`QuerySet.update`, `bulk_create`) would be missed: the application makes none of these rows that
way (benchmarks/outcomes.py, which bulk inserts, calls `refresh` itself, as the data migration does
for the rows that existed before). Deletes that cascade from a procedure leave nothing to keep.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, F, FilteredRelation, FloatField, Q, QuerySet, Value, When, Window
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, FirstValue, RowNumber

from procedures.models import EventKind

TIMEPOINTS = ["prom_1w", "prom_1m", "prom_3m", "prom_6m", "prom_12m"]
BASELINE = "baseline"
PAIN_AT_REST = "pain_rest"
CHUNK = 500


def with_cement(procedures: QuerySet) -> QuerySet:
    """Procedures with their cement injection joined as `cement`."""
    return procedures.annotate(cement=FilteredRelation("events", condition=Q(events__kind=EventKind.CEMENT_INJECTED)))


def pain_rows(procedures: QuerySet) -> QuerySet:
    """A row per answer of each procedure of `procedures` (one row if it has none), joined with `cement`, annotated:

    - `pain`: pain at rest, read from the answers in SQL;
    - `group`: the time point it answers, "baseline" if it was answered before the cement at no time
      point, else None (not counted);
    - `latest`: 1 on the last answer of its group (by authored time, then id): of several answers at
      one time point, the last counts;
    - `baseline`: the procedure's baseline, the last baseline pain score, else the last pain at rest
      answered before the cement.

    The baseline pain scores are joined too (each answer row repeats once per score), which lets
    window functions find the last of each without a query per procedure.
    """
    answer, score = F("responses__authored_at").desc(), F("score__recorded_at").desc()
    # The answer's own fields first, then the score's: the first row of a procedure in the order of
    # by_procedure has its last baseline answer ("baseline" sorts before "prom_…") and, beside it, its
    # last baseline score. Both windows sort the rows the same way: the database sorts them once.
    newest = [answer, F("responses__id").desc(), score, F("score__id").desc()]
    by_procedure = {"partition_by": [F("pk")], "order_by": [F("group").asc(nulls_last=True), *newest]}
    return (
        procedures.annotate(score=FilteredRelation("pain_scores", condition=Q(pain_scores__source="baseline")))
        .annotate(pain=Cast(KeyTextTransform(PAIN_AT_REST, "responses__answers"), FloatField()))
        .annotate(
            group=Case(
                When(
                    Q(pain__isnull=False, responses__milestone__step__code__in=TIMEPOINTS),
                    then=F("responses__milestone__step__code"),
                ),
                When(Q(pain__isnull=False, responses__authored_at__lte=F("cement__at")), then=Value(BASELINE)),
                default=None,
            )
        )
        .annotate(
            latest=Window(RowNumber(), partition_by=[F("pk"), F("group")], order_by=newest),
            baseline_score=Window(FirstValue("score__score"), **by_procedure),
            baseline_answer=Window(FirstValue(Case(When(group=Value(BASELINE), then=F("pain")))), **by_procedure),
        )
        .annotate(baseline=Coalesce(Cast("baseline_score", FloatField()), F("baseline_answer")))
    )


def computed(procedures: QuerySet) -> dict[int, dict]:
    """{procedure id: {"baseline": …, "prom_1w": …, …}} computed from the records, in one query."""
    rows = pain_rows(with_cement(procedures)).filter(latest=1).values_list("pk", "baseline", "group", "pain")
    figures: dict[int, dict] = {}
    for pk, baseline, group, pain in rows:
        row = figures.setdefault(pk, dict.fromkeys(TIMEPOINTS) | {"baseline": baseline})
        if group in TIMEPOINTS:
            row[group] = pain
    return figures


@transaction.atomic(savepoint=False)  # in the writer's transaction, without a savepoint of its own
def refresh(procedure_ids: Iterable[int], *, procedure_model=None, summary_model=None) -> None:
    """Recompute the summaries of these procedures from their records (the models: the data migration's own)."""
    from outcomes.models import PainSummary
    from procedures.models import Procedure

    procedure_model, summary_model = procedure_model or Procedure, summary_model or PainSummary
    ids = sorted(set(procedure_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # Two writes to one procedure in two transactions must not each compute without the other's
        # record, the later upsert then losing the earlier's: the procedures are locked first (the
        # services that write lock them already), and the computation, a statement of its own, sees
        # what the transaction before committed.
        list(procedure_model.objects.select_for_update().filter(pk__in=chunk).order_by("pk").values_list("pk"))
        figures = computed(procedure_model.objects.filter(pk__in=chunk))
        summary_model.objects.bulk_create(
            [summary_model(procedure_id=pk, **row) for pk, row in figures.items()],
            update_conflicts=True,
            unique_fields=["procedure"],
            update_fields=["baseline", *TIMEPOINTS],
        )


def cascaded(origin) -> bool:
    """Whether a delete comes from deleting procedures (then their summaries go too)."""
    from procedures.models import Procedure

    return getattr(origin, "model", type(origin)) is Procedure


def changed(sender, instance, **kwargs) -> None:
    """post_save / post_delete of a row of sources(): its procedure's figures may have changed."""
    if "origin" in kwargs and cascaded(kwargs["origin"]):
        return
    refresh([instance.procedure_id])


def sources() -> list:
    from procedures.models import Event, Milestone, PainScore, QuestionnaireResponse

    return [QuestionnaireResponse, PainScore, Event, Milestone]


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from procedures.models import Milestone

    for model in sources():
        # A milestone's own save changes nothing here (its step never changes); its delete unlinks answers.
        if model is not Milestone:
            post_save.connect(changed, sender=model, dispatch_uid=f"pain-summary-save-{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"pain-summary-delete-{model.__name__}")
