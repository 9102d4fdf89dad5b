"""Reading a patient's text reply: a stop request, a pain score from 0 to 10, red-flag words.

Pure: it reads text and says what it found. The red-flag words are procedures.red_flag_words,
shared with the free-text answers of questionnaires.
"""

import re
from dataclasses import dataclass, field

from procedures.red_flag_words import RED_FLAGS, plain

STOP_WORDS = {"stop", "arret", "arreter", "stopall", "unsubscribe", "desabonner"}

SCORE = re.compile(r"(?<![\d.,/-])(10|[0-9])(?:\s*(?:/|sur|out of)\s*10)?(?![\d.,/])")


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
    scores = SCORE.findall(words)
    flags = [topic for topic, pattern in RED_FLAGS.items() if pattern.search(words)]
    # Only a single number is a score: "3 or 4" or a date is not read as one.
    return Reply(score=int(scores[0]) if len(scores) == 1 else None, red_flags=flags)
