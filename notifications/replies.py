"""Reading a patient's text reply: a stop request, a pain score from 0 to 10 (the whole text), red-flag words.

Pure: it reads text and says what it found. Red-flag words are matched generously (a false
alarm costs a nurse a phone call; a missed one can cost the patient's legs).
"""

import re
import unicodedata
from dataclasses import dataclass, field

STOP_WORDS = {"stop", "arret", "arreter", "stopall", "unsubscribe", "desabonner"}

# Patterns matched at the start of a word, on text without accents, in English and French; see the
# red flags in shared/clinical/PROTOCOL.md.
RED_FLAG_PATTERNS = {
    "legs": [r"weak", r"numb(ness)?\b", r"tingl", r"paralys", r"(can ?not|cant) (walk|move)", r"faibl", r"engourd",
             r"fourmi", r"peux plus (marcher|bouger)", r"ne marche plus"],
    "bladder or bowel": [r"bladder", r"bowel", r"incontinen", r"(can ?not|cant) pee", r"vessie", r"selles", r"uriner"],
    "chest or breathing": [r"chest", r"breath", r"poitrine", r"thora", r"essouffl", r"respir", r"souffle"],
    "fever or wound": [r"fever", r"temperature", r"pus\b", r"swell", r"swollen", r"redness", r"red\b", r"bleed",
                       r"wound", r"fievre", r"plaie", r"gonfl", r"rougeur", r"rouge\b", r"saign", r"ecoul"],
    "new back pain": [r"sudden", r"new pain", r"worse", r"crack", r"soudain", r"nouvelle douleur", r"pire\b",
                      r"craqu"],
}  # fmt: skip
RED_FLAGS = {topic: re.compile(r"\b(?:" + "|".join(patterns) + ")") for topic, patterns in RED_FLAG_PATTERNS.items()}

# A pain score is a reply that is the score itself: "7", "7/10", "7 sur 10", "pain 7", "douleur : 7",
# "my pain is 7", "EVA 7", with any case, accents, spaces and a closing full stop. A number inside a
# sentence ("I took 2 paracetamol", "Ward 3 nurse called me") is not a score: the ward reads it.
SCORE_ONLY = re.compile(
    r"(?:(?:my )?pain(?: is| score)?|(?:ma )?douleur(?: est)?(?: a)?|score|eva)?\s*[:=]?\s*"
    r"(?P<score>10|[0-9])(?:\s*(?:/|sur|out of|over)\s*10)?",
    re.ASCII,
)


@dataclass(frozen=True)
class Reply:
    stop: bool = False
    score: int | None = None
    red_flags: list[str] = field(default_factory=list)

    @property
    def understood(self) -> bool:
        return self.stop or self.score is not None or bool(self.red_flags)


def plain(text: str) -> str:
    """Lower case, accents and apostrophes removed, spaces folded: "Je ne peux plus marcher !" -> "je ne peux..."."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    letters = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("'", "").replace("’", "")
    return " ".join(letters.split())


def read_reply(text: str) -> Reply:
    words = plain(text)
    if words.strip(" .!") in STOP_WORDS:
        return Reply(stop=True)
    score = SCORE_ONLY.fullmatch(words.strip(" .!"))
    flags = [topic for topic, pattern in RED_FLAGS.items() if pattern.search(words)]
    return Reply(score=int(score["score"]) if score else None, red_flags=flags)
