"""Questionnaires (patient-reported outcomes) and the answers given to them.

A questionnaire is data, like a protocol: a code, a version, a title and items, each text in English
with the other languages beside it ({"fr": "…"}). A published version never changes, since the
answers given to it must keep meaning what they meant; a change is a new version. Sites that hold a
licence for a validated instrument load it themselves (FHIR import); the tracker ships only its own.
"""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils import timezone
from simple_history.models import HistoricalRecords

from procedures.languages import in_language

LINK_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def validate_link_id(value: str) -> None:
    if not LINK_ID.match(value):
        raise ValidationError("Letters, digits, '_', '.' and '-' only, at most 64.")


class QuestionnaireQuerySet(models.QuerySet):
    def published(self) -> "QuestionnaireQuerySet":
        return self.filter(published_at__isnull=False)

    def current(self, code: str) -> "Questionnaire":
        """Return the newest published version of the questionnaire with this code."""
        return self.published().filter(code=code).latest("version")

    def newest_published(self) -> "QuestionnaireQuerySet":
        """The newest published version of each code (no DISTINCT ON: `make run` is on SQLite)."""
        newer = Questionnaire.objects.published().filter(code=OuterRef("code"), version__gt=OuterRef("version"))
        return self.published().exclude(Exists(newer)).order_by("code")


class Questionnaire(models.Model):
    code = models.SlugField(max_length=64)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200, help_text="In English; the other languages are in `titles`.")
    titles = models.JSONField(default=dict, blank=True, help_text='The title in other languages: {"fr": "…"}.')
    published_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when the version is published; it can no longer be changed."
    )

    objects = QuestionnaireQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="unique_questionnaire_version")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def title_in(self, language: str | None = None) -> str:
        return in_language(self.title, self.titles, language)

    def publish(self) -> None:
        if not self.is_published:
            self.published_at = timezone.now()
            self.save(update_fields=["published_at"])

    def new_draft(self) -> "Questionnaire":
        """Copy this version and its items into the next, unpublished version."""
        latest = Questionnaire.objects.filter(code=self.code).order_by("-version").first()
        draft = Questionnaire.objects.create(
            code=self.code, version=latest.version + 1, title=self.title, titles=self.titles
        )
        for item in self.items.all():
            item.pk = None
            item.questionnaire = draft
            item.save()
        return draft


class QuestionnaireItem(models.Model):
    """One question. Its red-flag rules say which answers must reach the ward at once."""

    class Type(models.TextChoices):
        INTEGER = "integer", "Whole number"
        DECIMAL = "decimal", "Decimal number"
        CHOICE = "choice", "One of the options"
        BOOLEAN = "boolean", "Yes or no"
        STRING = "string", "Short text"
        TEXT = "text", "Free text"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    link_id = models.CharField(max_length=64, validators=[validate_link_id])
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500, help_text="In English; the other languages are in `texts`.")
    texts = models.JSONField(default=dict, blank=True, help_text='The question in other languages: {"fr": "…"}.')
    type = models.CharField(max_length=10, choices=Type.choices)
    required = models.BooleanField(default=False)
    min_value = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    max_value = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    options = models.JSONField(
        default=list,
        blank=True,
        help_text='For a choice: [{"code": "none", "display": "None", "displays": {"fr": "Aucun"}}, …].',
    )
    flag_above_baseline = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A red flag when the answer is at least the patient's baseline pain plus this many points.",
    )
    flag_options = models.JSONField(
        default=list, blank=True, help_text="Codes of the options whose choice is a red flag."
    )
    flag_if_yes = models.BooleanField(default=False, help_text="For a yes/no question: yes is a red flag.")
    flag_words = models.BooleanField(
        default=False, help_text="For a text: red-flag words (legs, bladder, chest, fever, new pain…) are a red flag."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["questionnaire", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["questionnaire", "link_id"], name="unique_item_link_id")]

    def __str__(self) -> str:
        return f"{self.link_id} ({self.questionnaire})"

    def clean(self) -> None:
        if self.questionnaire_id and self.questionnaire.is_published:
            raise ValidationError("This questionnaire version is published; make a new version to change it.")
        if self.type == self.Type.CHOICE and not self.options:
            raise ValidationError({"options": "A choice needs its options."})
        codes = self.option_codes()
        if len(codes) != len(set(codes)) or not all(isinstance(code, str) and code for code in codes):
            raise ValidationError({"options": "Each option needs a code of its own."})
        if unknown := set(self.flag_options) - set(codes):
            raise ValidationError({"flag_options": f"Not options of this question: {', '.join(sorted(unknown))}."})

    def text_in(self, language: str | None = None) -> str:
        return in_language(self.text, self.texts, language)

    def option_codes(self) -> list[str]:
        return [option.get("code") for option in self.options if isinstance(option, dict)]

    def options_in(self, language: str | None = None) -> list[dict]:
        return [
            {
                "code": option["code"],
                "display": in_language(option.get("display", ""), option.get("displays"), language),
            }
            for option in self.options
        ]


class QuestionnaireResponse(models.Model):
    """The answers given once to a questionnaire, by the patient (from her link) or entered by staff."""

    class Source(models.TextChoices):
        PATIENT = "patient", "Answered by the patient"
        STAFF = "staff", "Entered by staff"

    procedure = models.ForeignKey("procedures.Procedure", on_delete=models.CASCADE, related_name="responses")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    milestone = models.ForeignKey(
        "procedures.Milestone", null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    authored_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=Source.choices)
    answers = models.JSONField(help_text="{link_id: value}, checked against the questionnaire's items.")
    recorded_by = models.ForeignKey(
        "procedures.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["procedure", "authored_at", "id"]
        indexes = [models.Index(fields=["procedure", "questionnaire"])]

    def __str__(self) -> str:
        return f"{self.questionnaire.code} for procedure {self.procedure_id} at {self.authored_at:%Y-%m-%d %H:%M}"

    @property
    def is_complete(self) -> bool:
        """Whether every required question is answered: not so for a pain score texted during the window
        (procedures.questionnaires.fill_pain_rest), which answers pain at rest alone."""
        return all(item.link_id in self.answers for item in self.questionnaire.items.all() if item.required)


class ResponseDraft(models.Model):
    """The answers a patient has given so far, from her link, to a questionnaire step she has not sent yet.

    On the server rather than in the session: she may stop and come back days later from another
    link (each reminder brings a new one) or in another browser, and the page works without
    JavaScript. One per milestone, which belongs to her alone; deleted when the response is recorded.
    """

    milestone = models.OneToOneField("procedures.Milestone", on_delete=models.CASCADE, related_name="draft")
    answers = models.JSONField(default=dict, help_text="{link_id: value} as checked so far; '' for a skipped one.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Draft answers for milestone {self.milestone_id}"
