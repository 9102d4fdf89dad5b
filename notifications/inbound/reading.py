"""Reading a patient's text reply: a stop request, a pain score from 0 to 10 (the whole text), red-flag words.

Pure: it reads text and says what it found. The red-flag words are procedures.red_flag_words,
shared with the free-text answers of questionnaires.
"""

import re
from dataclasses import dataclass, field

from procedures.red_flag_words import RED_FLAGS, plain

STOP_WORDS = {"stop", "arret", "arreter", "stopall", "unsubscribe", "desabonner"}

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


def read_reply(text: str) -> Reply:
    words = plain(text)
    if words.strip(" .!") in STOP_WORDS:
        return Reply(stop=True)
    score = SCORE_ONLY.fullmatch(words.strip(" .!"))
    flags = [topic for topic, pattern in RED_FLAGS.items() if pattern.search(words)]
    return Reply(score=int(score["score"]) if score else None, red_flags=flags)
