import pytest

from notifications.replies import read_reply


@pytest.mark.parametrize("text", ["STOP", "stop", " Stop! ", "ARRET", "Arrêt", "arrêter"])
def test_stop_in_english_and_french(text):
    assert read_reply(text).stop


@pytest.mark.parametrize(
    ("text", "score"),
    [("7", 7), ("10", 10), ("0", 0), ("Pain 4/10", 4), ("j'ai mal, 6 sur 10", 6), ("about 3 today", 3)],
)
def test_a_single_number_from_0_to_10_is_a_pain_score(text, score):
    reply = read_reply(text)

    assert (reply.score, reply.red_flags, reply.stop) == (score, [], False)


@pytest.mark.parametrize("text", ["11", "3 or 4", "2.5", "-1", "on 12/03", "thanks"])
def test_anything_else_is_not_a_score(text):
    assert read_reply(text).score is None


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
