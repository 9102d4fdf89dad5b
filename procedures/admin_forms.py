"""Admin form fields for protocols: durations as "12 h" or "1 month", and texts in every language."""

from django import forms
from django.core.exceptions import ValidationError

from procedures.durations import duration_text, parse_duration
from procedures.languages import other_languages
from procedures.models import ObservationLimit, ProtocolStep


class DurationTextField(forms.CharField):
    """An elapsed time written "12 h", "30 min", "2 days"; cleaned to a timedelta (None when empty)."""

    months_allowed = False

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"size": 12, "placeholder": "12 h"}))
        kwargs.setdefault("help_text", "For example “12 h”, “30 min”, “2 days”.")
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return duration_text(value) if not isinstance(value, str) and value is not None else value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        months, delta = parse_duration(text)
        if months and not self.months_allowed:
            raise ValidationError("Months are for a step's offset only; write days here.", code="months")
        return (months, delta) if self.months_allowed else delta


class OffsetField(DurationTextField):
    """A step's offset from its anchor: elapsed time, or calendar months ("1 month"), cleaned to (months, delta)."""

    months_allowed = True

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "From the anchor event: “12 h”, “30 min”, “12 days”, “1 month”.")
        super().__init__(**kwargs)


def translations_form(model, texts: dict[str, tuple[str, str, bool]]) -> type[forms.ModelForm]:
    """A model form with a field per other language for each translated text.

    `texts` maps the JSON field ("labels") to (the English field, its name, whether it is long).
    The fields are named "<json field>_<language>", such as "labels_fr"."""
    attrs: dict = {"texts": texts}
    for json_field, (_english, name, long) in texts.items():
        for code, language in other_languages():
            widget = forms.Textarea(attrs={"rows": 2, "cols": 30}) if long else forms.TextInput()
            attrs[f"{json_field}_{code}"] = forms.CharField(label=f"{name} ({language})", required=False, widget=widget)
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": "__all__"})
    return type(f"{model.__name__}TranslationsForm", (TranslationsForm,), attrs)


class TranslationsForm(forms.ModelForm):
    texts: dict[str, tuple[str, str, bool]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for json_field in self.texts:
            for code, _language in other_languages():
                self.initial.setdefault(f"{json_field}_{code}", getattr(self.instance, json_field).get(code, ""))

    def clean(self):
        cleaned = super().clean()
        for json_field in self.texts:
            translations = dict(getattr(self.instance, json_field) or {})
            for code, _language in other_languages():
                text = (cleaned.get(f"{json_field}_{code}") or "").strip()
                if text:
                    translations[code] = text
                else:
                    translations.pop(code, None)  # shown in English until someone translates it
            setattr(self.instance, json_field, translations)
        return cleaned


STEP_TEXTS = {"labels": ("label", "Label", False), "actions": ("action", "Action", True)}


class ProtocolStepForm(translations_form(ProtocolStep, STEP_TEXTS)):
    offset = OffsetField()
    window_opens_before = DurationTextField(initial="0 min")
    overdue_after = DurationTextField(initial="15 min")
    acknowledge_within = DurationTextField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["offset"] = duration_text(self.instance.offset, self.instance.offset_months)

    def clean_offset(self):
        months, delta = self.cleaned_data["offset"]
        self.instance.offset_months = months  # not a field of this form: the offset says it
        return delta


class ObservationLimitForm(translations_form(ObservationLimit, {"labels": ("measure", "Name", False)})):
    pass
