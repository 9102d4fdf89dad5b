"""Accounts: expiring, revocable API tokens; staff passwords and usernames; the login throttle."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.test import Client
from rest_framework.test import APIClient

from procedures.models import ApiToken, Staff

NOW = dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.UTC)


def log_in(username="alice", password="alice-password", **headers):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json", **headers)


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_token_for_a_username_and_password(nurse_a):
    with time_machine.travel(NOW, tick=False):
        response = log_in()
        used = client_with(response.json()["token"]).get("/api/wards/")

    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}
    assert response.json()["expires_at"] == "2026-02-11T00:00:00Z"
    assert used.status_code == 200


def test_the_key_itself_is_not_stored(nurse_a):
    key = log_in().json()["token"]

    assert not ApiToken.objects.filter(digest=key).exists()
    assert ApiToken.objects.filter(user=nurse_a).count() == 1


def test_a_token_expires_after_api_token_hours(nurse_a, settings):
    settings.API_TOKEN_HOURS = 12
    with time_machine.travel(NOW, tick=False) as clock:
        key = log_in().json()["token"]
        clock.move_to(NOW + dt.timedelta(hours=11, minutes=59))
        before = client_with(key).get("/api/wards/")
        clock.move_to(NOW + dt.timedelta(hours=12))
        after = client_with(key).get("/api/wards/")

    assert before.status_code == 200
    assert after.status_code == 401
    assert "expired" in after.json()["detail"]
    assert not ApiToken.objects.exists()


def test_a_new_login_gives_a_new_token_and_the_first_still_works(nurse_a):
    first, second = log_in().json()["token"], log_in().json()["token"]

    assert first != second
    assert client_with(first).get("/api/wards/").status_code == 200
    assert client_with(second).get("/api/wards/").status_code == 200


def test_logging_out_revokes_the_token(nurse_a):
    key, other = log_in().json()["token"], log_in().json()["token"]

    response = client_with(key).post("/api/auth/logout/")

    assert response.status_code == 204
    assert client_with(key).get("/api/wards/").status_code == 401
    assert client_with(other).get("/api/wards/").status_code == 200


def test_logging_out_everywhere_revokes_every_token(nurse_a):
    key, other = log_in().json()["token"], log_in().json()["token"]

    assert client_with(key).post("/api/auth/logout/?all=true").status_code == 204

    assert client_with(other).get("/api/wards/").status_code == 401


def test_a_new_password_set_anywhere_revokes_the_tokens(nurse_a):
    key = log_in().json()["token"]

    nurse_a.set_password("a-brand-new-password-77")
    nurse_a.save()  # as the admin's form and `manage.py changepassword` do

    assert client_with(key).get("/api/wards/").status_code == 401
    assert log_in(password="a-brand-new-password-77").status_code == 200


def test_a_new_password_through_the_api_revokes_the_tokens(nurse_a, admin_user):
    key = log_in().json()["token"]
    admin = client_with(log_in("ada", "ada-password").json()["token"])

    changed = admin.patch(f"/api/staff/{nurse_a.pk}/", {"password": "Correct-horse-battery-9"}, format="json")

    assert changed.status_code == 200
    assert client_with(key).get("/api/wards/").status_code == 401
    assert not ApiToken.objects.filter(user=nurse_a).exists()


def test_a_deactivated_account_loses_its_tokens(nurse_a):
    key = log_in().json()["token"]

    Staff.objects.filter(pk=nurse_a.pk).update(is_active=False)

    assert client_with(key).get("/api/wards/").status_code == 401
    assert not ApiToken.objects.filter(user=nurse_a).exists()


def test_an_unknown_token_is_refused(db):
    assert client_with("0" * 40).get("/api/wards/").status_code == 401


@pytest.fixture
def admin_api(admin_user):
    return client_with(ApiToken.objects.issue(user=admin_user)[1])


@pytest.mark.parametrize(
    "password, message",
    [("short", "at least 10 characters"), ("password123", "too common"), ("83920174625", "entirely numeric"),
     ("caroline12", "too similar")],
)  # fmt: skip
def test_staff_passwords_follow_the_password_validators(admin_api, password, message):
    response = admin_api.post("/api/staff/", {"username": "caroline", "password": password}, format="json")

    assert response.status_code == 400
    assert any(message in text for text in response.json()["password"])
    assert not Staff.objects.filter(username="caroline").exists()


def test_a_good_password_is_accepted(admin_api):
    response = admin_api.post("/api/staff/", {"username": "caroline", "password": "Tulip-harbour-1984"}, format="json")

    assert response.status_code == 201
    assert Staff.objects.get(username="caroline").check_password("Tulip-harbour-1984")


def test_a_username_differing_only_by_case_is_refused(admin_api, nurse_a):
    created = admin_api.post("/api/staff/", {"username": "ALICE", "password": "Tulip-harbour-1984"}, format="json")
    renamed = admin_api.patch(f"/api/staff/{nurse_a.pk}/", {"username": "Alice"}, format="json")

    assert created.status_code == 400
    assert created.json()["username"] == ["A staff member with this username already exists."]
    assert renamed.status_code == 200  # her own name, in another case


@pytest.fixture
def three_a_minute(settings):
    settings.LOGIN_THROTTLE_RATE = "3/minute"


def test_the_throttle_counts_live_in_the_shared_database_cache(db):
    assert isinstance(caches["default"], DatabaseCache)


def test_x_forwarded_for_does_not_reset_the_login_throttle(nurse_a, three_a_minute):
    answers = [log_in(password="wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(4)]

    assert answers == [400, 400, 400, 429]


def test_behind_a_trusted_proxy_the_forwarded_address_counts(nurse_a, three_a_minute, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(3):
        log_in(password="wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")

    refused = log_in(password="wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")
    spoofed_through_proxy = log_in(HTTP_X_FORWARDED_FOR="203.0.113.6, 203.0.113.5")  # last untrusted hop counts
    other_client = log_in(HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert refused.status_code == 429
    assert spoofed_through_proxy.status_code == 429
    assert other_client.status_code == 200


def test_the_login_page_shares_the_throttle_with_the_token_endpoint(nurse_a, three_a_minute):
    for _ in range(3):
        log_in(password="wrong")

    page = Client().post("/accounts/login/", {"username": "alice", "password": "alice-password"})
    admin_page = Client().post("/admin/login/", {"username": "alice", "password": "alice-password"})

    assert page.status_code == 429
    assert "Too many log-in attempts" in page.content.decode()
    assert int(page["Retry-After"]) > 0
    assert admin_page.status_code == 429


def test_the_login_page_alone_is_throttled(nurse_a, three_a_minute):
    client = Client()
    wrong = {"username": "alice", "password": "wrong"}
    answers = [client.post("/accounts/login/", wrong).status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert client.get("/accounts/login/").status_code == 200  # showing the form is not an attempt


def test_axes_records_the_connection_address_not_the_forwarded_one(nurse_a):
    from axes.models import AccessAttempt

    log_in(password="wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")

    assert AccessAttempt.objects.get(username="alice").ip_address == "127.0.0.1"


@pytest.mark.parametrize("page", ["/accounts/login/", "/admin/login/"])
def test_a_username_longer_than_any_is_refused_on_the_log_in_pages_not_a_500(db, page):
    from axes.models import AccessAttempt

    client = Client(raise_request_exception=False)
    response = client.post(page, {"username": "a" * 256, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "Ensure this value has at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()  # refused before any log-in was tried


@pytest.mark.parametrize("path", ["/accounts/password_reset/", "/accounts/password_reset/done/",
                                  "/accounts/reset/MQ/set-password/", "/accounts/password_change/"])  # fmt: skip
def test_there_are_no_password_reset_pages(client, path):
    assert client.get(path).status_code == 404
