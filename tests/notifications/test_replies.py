import pytest

from notifications.inbound.reading import read_reply


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop! ", "ARRET", "Arrêt", "arrêter"])
def test_stop_in_english_and_french(text):
    assert read_reply(text).stop


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("7", 7), ("10", 10), ("0", 0), (" 7 ", 7), ("7.", 7), ("7/10", 7), ("7 / 10", 7), ("7 sur 10", 7),
        ("7 SUR 10", 7), ("7 out of 10", 7), ("pain 7", 7), ("Pain 4/10", 4), ("PAIN: 7", 7), ("my pain is 7", 7),
        ("douleur 7", 7), ("Douleur : 7.", 7), ("DOULEUR 7 sur 10", 7), ("ma douleur est à 7", 7), ("EVA 5", 5),
    ],
)  # fmt: skip
def test_a_text_that_is_the_score_itself_is_a_pain_score(text, score):
    reply = read_reply(text)

    assert (reply.score, reply.red_flags, reply.stop) == (score, [], False)


@pytest.mark.parametrize(
    "text",
    [
        "11", "3 or 4", "2.5", "-1", "on 12/03", "thanks", "I took 2 paracetamol", "Ward 3 nurse called me",
        "j'ai mal, 6 sur 10", "about 3 today", "Room 4", "7 days since the operation", "2 fois par jour",
    ],
)  # fmt: skip
def test_a_number_inside_a_sentence_is_not_a_score(text):
    assert read_reply(text).score is None


def test_red_flag_words_next_to_a_number_still_raise_the_flag_but_no_score():
    reply = read_reply("I took 2 paracetamol, my legs are numb")

    assert (reply.score, reply.red_flags) == (None, ["legs"])


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("my left leg feels numb", "legs"),
        ("5 and my legs are weak", "legs"),
        ("Je ne peux plus marcher", "legs"),
        ("jambes engourdies", "legs"),
        ("I can't pee since this morning", "bladder or bowel"),
        ("problème de vessie", "bladder or bowel"),
        ("chest pain when I breathe", "chest or breathing"),
        ("je suis essoufflée", "chest or breathing"),
        ("Fièvre 38,5", "fever or wound"),
        ("the wound is red and swollen", "fever or wound"),
        ("la plaie saigne", "fever or wound"),
        ("sudden new pain higher up", "new back pain"),
        ("douleur soudaine dans le dos", "new back pain"),
    ],
)
def test_red_flag_words_in_both_languages(text, flag):
    assert flag in read_reply(text).red_flags


@pytest.mark.parametrize("text", ["4, tired but fine", "my number is 3", "ça va mieux, 2", "better, walking well"])
def test_ordinary_replies_raise_no_flag(text):
    assert read_reply(text).red_flags == []
