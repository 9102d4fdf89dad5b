"""Red-flag words in what a patient writes (an SMS reply, a questionnaire's free text), in English and French.

Pure: it reads text and names the topics it found. Words are matched generously (a false alarm costs
a nurse a phone call; a missed one can cost the patient's legs). See the red flags in
shared/clinical/PROTOCOL.md.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy

# Patterns matched at the start of a word, on text without accents.
RED_FLAG_PATTERNS = {
    "legs": [
        r"weak",
        r"numb(ness)?\b",
        r"tingl",
        r"paralys",
        r"(can ?not|cant) (walk|move)",
        r"faibl",
        r"engourd",
        r"fourmi",
        r"peux plus (marcher|bouger)",
        r"ne marche plus",
    ],
    "bladder or bowel": [r"bladder", r"bowel", r"incontinen", r"(can ?not|cant) pee", r"vessie", r"selles", r"uriner"],
    "chest or breathing": [r"chest", r"breath", r"poitrine", r"thora", r"essouffl", r"respir", r"souffle"],
    "fever or wound": [
        r"fever",
        r"temperature",
        r"pus\b",
        r"swell",
        r"swollen",
        r"redness",
        r"red\b",
        r"bleed",
        r"wound",
        r"fievre",
        r"plaie",
        r"gonfl",
        r"rougeur",
        r"rouge\b",
        r"saign",
        r"ecoul",
    ],
    "new back pain": [r"sudden", r"new pain", r"worse", r"crack", r"soudain", r"nouvelle douleur", r"pire\b", r"craqu"],
}
# The topics as the ward reads them, in its language.
TOPIC_NAMES = {
    "legs": gettext_lazy("legs"),
    "bladder or bowel": gettext_lazy("bladder or bowel"),
    "chest or breathing": gettext_lazy("chest or breathing"),
    "fever or wound": gettext_lazy("fever or wound"),
    "new back pain": gettext_lazy("new back pain"),
}
RED_FLAGS = {topic: re.compile(r"\b(?:" + "|".join(patterns) + ")") for topic, patterns in RED_FLAG_PATTERNS.items()}


def plain(text: str) -> str:
    """Lower case, accents and apostrophes removed, spaces folded: "Je ne peux plus marcher !" -> "je ne peux..."."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("'", "").replace("’", "")
    return " ".join(letters.split())


def red_flag_topics(text: str) -> list[str]:
    """The red-flag topics the text mentions, e.g. ["legs", "chest or breathing"]."""
    words = plain(text)
    return [topic for topic, pattern in RED_FLAGS.items() if pattern.search(words)]
