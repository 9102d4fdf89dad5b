"""Sessions end after SESSION_COOKIE_AGE without a request, and last as long as the nurse is active."""

import datetime as dt

import time_machine
from django.test import Client

NOW = dt.datetime(2026, 2, 10, 20, 0, tzinfo=dt.UTC)


def logged_in(nurse_a) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"username": "alice", "password": "alice-password"}).status_code == 302
    return client


def test_a_session_idle_for_a_shift_is_over(nurse_a, ward_a, settings):
    settings.SESSION_COOKIE_AGE = 12 * 3600
    with time_machine.travel(NOW, tick=False) as clock:
        client = logged_in(nurse_a)
        clock.shift(dt.timedelta(hours=11, minutes=58))
        still_in = client.get("/")
        clock.shift(dt.timedelta(hours=12, minutes=1))
        idle = client.get("/")

    assert still_in.status_code == 200
    assert idle.status_code == 302 and idle.url.startswith("/accounts/login/")


def test_an_active_session_lasts_beyond_the_idle_limit(nurse_a, ward_a, settings):
    settings.SESSION_COOKIE_AGE = 3600
    with time_machine.travel(NOW, tick=False) as clock:
        client = logged_in(nurse_a)
        answers = []
        for _ in range(5):  # five hours of work, a page every 50 minutes
            clock.shift(dt.timedelta(minutes=50))
            answers.append(client.get("/").status_code)

    assert answers == [200] * 5
