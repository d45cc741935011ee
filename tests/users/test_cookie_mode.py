"""The same API with AUTH_MODE = "cookie": the ssid session cookie instead of JWTs."""

import pytest
import redis
from django.conf import settings as django_settings
from django_redis.cache import RedisCache
from rest_framework.test import APIClient

from apps.users import revocation
from apps.users.models import UserSession
from tests.users.conftest import USER_AGENT, unreachable_redis
from tests.users.factories import PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
LOGIN = "/api/v1/auth/login"


@pytest.fixture(autouse=True)
def _cookie_mode(settings):
    settings.AUTH_MODE = "cookie"


def browser() -> APIClient:
    return APIClient(HTTP_USER_AGENT=USER_AGENT, enforce_csrf_checks=True)


def sign_in(client: APIClient, email: str) -> dict:
    response = client.post(LOGIN, {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return response.json()


def csrf(client: APIClient) -> dict:
    return {"HTTP_X_CSRFTOKEN": client.cookies["csrftoken"].value}


def test_login_sets_the_ssid_cookie_and_no_tokens(user):
    client = browser()
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert response.status_code == 200
    session = UserSession.objects.get()
    assert response.json() == {"access": None, "refresh": None, "session_id": str(session.sid)}
    assert "x-jwt-token" not in response
    cookie = response.cookies["ssid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert session.kind == "cookie"
    assert "csrftoken" in response.cookies


def test_the_cookie_opens_the_api(user):
    client = browser()
    sign_in(client, user.email)

    response = client.get(ME)

    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.org"


def test_unsafe_requests_need_the_csrf_token(user):
    client = browser()
    sign_in(client, user.email)

    refused = client.patch(ME, {"nickname": "Forged"})
    allowed = client.patch(ME, {"nickname": "Countess"}, **csrf(client))

    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert allowed.status_code == 200
    user.refresh_from_db()
    assert user.nickname == "Countess"


def test_logout_ends_the_session_at_once(user):
    client = browser()
    sign_in(client, user.email)
    stolen = client.cookies["ssid"].value

    response = client.post("/api/v1/auth/logout", **csrf(client))

    assert response.status_code == 204
    assert UserSession.objects.get().revoked_at is not None
    assert client.get(ME).status_code == 401
    replay = browser()
    replay.cookies["ssid"] = stolen
    assert replay.get(ME).status_code == 401


def test_revoking_a_cookie_session_from_another_device(user):
    laptop, phone = browser(), browser()
    sign_in(laptop, user.email)
    phone_session = sign_in(phone, user.email)["session_id"]

    response = laptop.delete(f"/api/v1/auth/sessions/{phone_session}", **csrf(laptop))

    assert response.status_code == 204
    revoked = phone.get(ME)
    assert (revoked.status_code, revoked.json()["code"]) == (401, "session_revoked")
    assert laptop.get(ME).status_code == 200


def test_refresh_is_not_available(user):
    client = browser()
    sign_in(client, user.email)

    response = client.post("/api/v1/auth/refresh", {"refresh": "anything"})

    assert response.status_code == 400
    assert response.json()["code"] == "refresh_not_available"


def test_a_deactivated_user_is_refused_at_once(user):
    client = browser()
    sign_in(client, user.email)
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    response = client.get(ME)

    assert (response.status_code, response.json()["code"]) == (401, "user_inactive")


def test_redis_down_fails_closed_with_503(user, monkeypatch):
    client = browser()
    sign_in(client, user.email)
    monkeypatch.setattr(revocation, "_client", unreachable_redis)

    response = client.get(ME)

    assert (response.status_code, response.json()["code"]) == (503, "session_check_unavailable")
    assert response["Retry-After"] == "5"


def test_unreadable_session_store_is_503_not_anonymous(user, monkeypatch):
    """Django's cache session store swallows Redis errors and looks like "no session"; the
    authentication tells the two apart by asking Redis itself (``sessions_check_available``)."""
    client = browser()
    sign_in(client, user.email)
    monkeypatch.setattr(revocation, "_client", unreachable_redis)
    monkeypatch.setattr(RedisCache, "get", _redis_unreachable)

    response = client.get(ME)

    assert (response.status_code, response.json()["code"]) == (503, "session_check_unavailable")
    assert UserSession.objects.get().revoked_at is None


def _redis_unreachable(*args, **kwargs):
    raise redis.ConnectionError("Redis is down")


def test_session_data_lives_in_redis_for_the_refresh_lifetime(user):
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.cache"
    assert django_settings.SESSION_COOKIE_AGE == 7 * 24 * 3600
    client = browser()
    response = client.post(LOGIN, {"email": user.email, "password": PASSWORD})

    assert int(response.cookies["ssid"]["max-age"]) == 7 * 24 * 3600
