"""Sign-in limits count failures, not people: per account and per client IP, checked before the
password is, cleared on success (per account)."""

import pytest
from django.test import override_settings
from django_redis import get_redis_connection

from apps.users.models import UserSession
from scholarnet.ratelimit.ident import key_digest
from tests.users.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/api/v1/auth/login"
CAMPUS = "203.0.113.7"


def _login(client, email, password, address=CAMPUS):
    return client.post(LOGIN, {"email": email, "password": password}, REMOTE_ADDR=address)


def test_a_campus_behind_one_address_signs_in_twelve_researchers_in_a_minute(api_client):
    """With the default budgets: 12 people register and sign in from one NAT address, twice."""
    for n in range(12):
        email = f"researcher{n}@campus.example"
        registered = api_client.post(
            "/api/v1/auth/register", {"email": email, "password": PASSWORD}, REMOTE_ADDR=CAMPUS
        )
        assert registered.status_code == 201
        assert _login(api_client, email, PASSWORD).status_code == 200
        assert _login(api_client, email, PASSWORD).status_code == 200

    assert UserSession.objects.count() == 24


@override_settings(RATELIMIT_LOGIN_FAILURES_ACCOUNT="3/15m")
def test_failures_of_one_account_from_any_address_stop_even_the_right_password(api_client, user):
    for address in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
        assert _login(api_client, user.email, "wrong-guess", address).status_code == 401

    response = _login(api_client, user.email, PASSWORD, "198.51.100.4")

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 890 <= int(response["Retry-After"]) <= 900
    assert UserSession.objects.count() == 0  # the right password did not get through either


@override_settings(RATELIMIT_LOGIN_FAILURES_ACCOUNT="3/15m")
def test_a_locked_account_does_not_lock_its_neighbours(api_client, user):
    neighbour = UserFactory(email="grace@example.org")
    for _ in range(3):
        _login(api_client, user.email, "wrong-guess")

    assert _login(api_client, neighbour.email, PASSWORD).status_code == 200
    assert _login(api_client, user.email, PASSWORD).status_code == 429


@override_settings(RATELIMIT_LOGIN_FAILURES_ACCOUNT="3/15m")
def test_a_success_clears_the_accounts_failures(api_client, user):
    for _ in range(2):
        assert _login(api_client, user.email, "typo").status_code == 401
    assert _login(api_client, user.email, PASSWORD).status_code == 200

    # Three fresh failures are allowed again before the lock.
    statuses = [_login(api_client, user.email, "typo").status_code for _ in range(4)]

    assert statuses == [401, 401, 401, 429]


@override_settings(RATELIMIT_LOGIN_FAILURES_ACCOUNT="3/15m")
def test_successes_are_not_counted(api_client, user):
    statuses = [_login(api_client, user.email, PASSWORD).status_code for _ in range(10)]

    assert statuses == [200] * 10


@override_settings(RATELIMIT_LOGIN_FAILURES_IP="3/15m")
def test_failures_from_one_address_across_accounts_stop_that_address(api_client, user):
    for n in range(3):
        assert _login(api_client, f"guess{n}@example.org", "x").status_code == 401

    refused = _login(api_client, "guess9@example.org", "x")
    elsewhere = _login(api_client, user.email, PASSWORD, "192.0.2.50")

    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert elsewhere.status_code == 200


@override_settings(RATELIMIT_LOGIN_FAILURES_IP="3/15m")
def test_a_success_keeps_the_addresss_other_failures(api_client, user):
    """One person signing in must not reset the budget of everyone behind their address."""
    for n in range(2):
        _login(api_client, f"guess{n}@example.org", "x")
    assert _login(api_client, user.email, PASSWORD).status_code == 200

    statuses = [_login(api_client, f"more{n}@example.org", "x").status_code for n in range(2)]

    assert statuses == [401, 429]


def test_the_failure_keys_are_digests_of_the_email(api_client, user):
    _login(api_client, user.email, "wrong")

    keys = sorted(key.decode() for key in get_redis_connection("default").keys("sntest:rl:login*"))

    digest = key_digest(user.email)
    assert keys == [
        f"sntest:rl:login_failures_account:email:{digest}",
        f"sntest:rl:login_failures_ip:ip:{CAMPUS}",
    ]


def test_a_lone_surrogate_in_the_email_is_400_and_changes_nothing(api_client):
    body = b'{"email": "\\ud800@example.com", "password": "x"}'

    response = api_client.generic("POST", LOGIN, body, content_type="application/json")

    assert response.status_code == 400
    # The JSON parser or the field refuses it, depending on the parser in use; never a 500.
    assert response.json()["code"] in ("parse_error", "invalid")
    assert get_redis_connection("default").keys("sntest:rl:login*") == []
    assert UserSession.objects.count() == 0
