"""Texts kept as data in every language the tracker speaks (settings.LANGUAGES).

English is the text itself (a protocol step's `label`, a limit's measure, an alert's `summary`);
the other languages sit beside it in a JSON object keyed by language code ({"fr": "…"}), so a
third language is a settings and data change, never a schema change. A missing translation falls
back to English, so a half-translated protocol still shows every step.
"""

from collections.abc import Callable

from django.conf import settings
from django.utils import translation

ENGLISH = "en"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def other_languages() -> list[tuple[str, str]]:
    """(code, name) of every language but English: the ones kept beside the English text."""
    return [(code, name) for code, name in settings.LANGUAGES if code != ENGLISH]


def in_language(english: str, translations: dict | None, language: str | None = None) -> str:
    """Return the text in `language` (the active one by default), or else in English."""
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    if language == ENGLISH or not translations:
        return english
    return translations.get(language) or translations.get(language.split("-")[0]) or english


def in_every_language(write: Callable[[], str]) -> dict[str, str]:
    """Call `write` once with each language active: {"en": …, "fr": …}."""
    texts = {}
    for code in language_codes():
        with translation.override(code):
            texts[code] = str(write())
    return texts
