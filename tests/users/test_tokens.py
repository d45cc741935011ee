import time
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_redis import get_redis_connection

from apps.users import revocation
from apps.users.models import UserSession
from apps.users.tokens import token_pair_issue
from tests.users.conftest import bearer, login, unreachable_redis
from tests.users.factories import UserFactory

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def _error(response):
    return response.status_code, response.json()["code"]


def test_access_token_opens_me(api_client, signed_in, user):
    response = api_client.get(ME)

    assert response.status_code == 200
    assert response.json()["id"] == user.pk


def test_refresh_rotates_the_pair_and_the_new_access_works(api_client, signed_in):
    response = api_client.post(REFRESH, {"refresh": signed_in["refresh"]})

    assert response.status_code == 200
    body = response.json()
    assert body["refresh"] != signed_in["refresh"]
    assert body["access"] != signed_in["access"]
    assert response["x-jwt-token"] == body["access"]
    assert response["x-refresh-token"] == body["refresh"]
    assert UserSession.objects.get().refresh_generation == 1
    assert bearer(api_client, body["access"]).get(ME).status_code == 200


def test_reused_refresh_token_revokes_the_whole_session(api_client, signed_in):
    rotated = api_client.post(REFRESH, {"refresh": signed_in["refresh"]}).json()

    reuse = api_client.post(REFRESH, {"refresh": signed_in["refresh"]})

    assert reuse.status_code == 401
    assert reuse.json() == {
        "detail": "This refresh token was already used; the session has been signed out.",
        "code": "refresh_reused",
        "extra": {},
    }
    assert UserSession.objects.get().revoked_at is not None
    # The legitimate client's newer tokens die with the session.
    assert _error(api_client.post(REFRESH, {"refresh": rotated["refresh"]})) == (
        401,
        "session_revoked",
    )
    assert _error(bearer(api_client, rotated["access"]).get(ME)) == (401, "session_revoked")


def test_logout_revokes_access_and_refresh_at_once(api_client, signed_in):
    response = api_client.post(LOGOUT)

    assert response.status_code == 204
    session = UserSession.objects.get()
    assert session.revoked_at is not None
    assert _error(api_client.get(ME)) == (401, "session_revoked")
    assert _error(api_client.post(REFRESH, {"refresh": signed_in["refresh"]})) == (
        401,
        "session_revoked",
    )


def test_redis_keeps_only_the_revoked_session_with_the_refresh_lifetime(api_client, signed_in):
    connection = get_redis_connection("default")
    sid = str(UserSession.objects.get().sid)
    assert connection.exists(revocation.revoked_key(sid)) == 0

    api_client.post(LOGOUT)

    assert connection.exists(revocation.revoked_key(sid)) == 1
    assert 7 * 24 * 3600 - 5 <= connection.ttl(revocation.revoked_key(sid)) <= 7 * 24 * 3600


def test_logout_of_one_session_leaves_the_others_working(api_client, user):
    first = login(api_client, user.email)
    second = login(api_client, user.email)

    bearer(api_client, first["access"]).post(LOGOUT)

    assert bearer(api_client, second["access"]).get(ME).status_code == 200
    assert _error(bearer(api_client, first["access"]).get(ME)) == (401, "session_revoked")


def test_logout_needs_a_session(api_client):
    assert _error(api_client.post(LOGOUT)) == (401, "not_authenticated")


def test_access_token_from_another_user_agent_is_refused(api_client, signed_in):
    response = api_client.get(ME, HTTP_USER_AGENT="curl/8.5.0")

    assert _error(response) == (401, "token_user_agent_mismatch")


@override_settings(JWT_BIND_USER_AGENT=False)
def test_user_agent_binding_can_be_switched_off(api_client, signed_in):
    assert api_client.get(ME, HTTP_USER_AGENT="curl/8.5.0").status_code == 200


def test_expired_access_token_is_refused_and_refresh_still_works(
    api_client, signed_in, time_machine
):
    time_machine.move_to(timezone.now() + timedelta(minutes=31))

    assert _error(api_client.get(ME)) == (401, "token_expired")
    assert api_client.post(REFRESH, {"refresh": signed_in["refresh"]}).status_code == 200


def test_refresh_token_expires_after_seven_days(api_client, signed_in, time_machine):
    time_machine.move_to(timezone.now() + timedelta(days=7, minutes=1))

    assert _error(api_client.post(REFRESH, {"refresh": signed_in["refresh"]})) == (
        401,
        "token_expired",
    )


def test_tampered_and_wrong_type_tokens_are_refused(api_client, signed_in):
    assert _error(bearer(api_client, signed_in["access"] + "x").get(ME)) == (401, "token_invalid")
    # A refresh token is not an access token, and the other way round.
    assert _error(bearer(api_client, signed_in["refresh"]).get(ME)) == (401, "token_invalid")
    assert _error(api_client.post(REFRESH, {"refresh": signed_in["access"]})) == (
        401,
        "token_invalid",
    )


def test_tokens_are_signed_with_the_jwt_signing_key_setting(api_client, signed_in, settings):
    settings.JWT_SIGNING_KEY = "another-key-entirely-0123456789abcdef"

    assert _error(api_client.get(ME)) == (401, "token_invalid")


def test_deactivated_user_is_refused_at_once(api_client, signed_in, user):
    type(user).objects.filter(pk=user.pk).update(is_active=False)

    assert _error(api_client.get(ME)) == (401, "user_inactive")
    assert _error(api_client.post(REFRESH, {"refresh": signed_in["refresh"]})) == (
        401,
        "user_inactive",
    )


def test_redis_down_fails_closed_with_503_and_retry_after(api_client, signed_in, monkeypatch):
    monkeypatch.setattr(revocation, "_client", unreachable_redis)

    response = api_client.get(ME)

    # 503, not 401: a client that hears 401 signs its user out over a Redis blip.
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "Sessions cannot be checked right now. Try again shortly.",
        "code": "session_check_unavailable",
        "extra": {},
    }


def test_refresh_while_redis_is_down_is_503_and_spends_nothing(api_client, signed_in, monkeypatch):
    monkeypatch.setattr(revocation, "_client", unreachable_redis)

    response = api_client.post(REFRESH, {"refresh": signed_in["refresh"]})

    assert _error(response) == (503, "session_check_unavailable")
    assert response["Retry-After"] == "5"
    session = UserSession.objects.get()
    assert (session.refresh_generation, session.revoked_at) == (0, None)
    monkeypatch.undo()
    revocation.reset_breaker()
    # Once Redis is back the same refresh token still works: it was not burned.
    assert api_client.post(REFRESH, {"refresh": signed_in["refresh"]}).status_code == 200


def test_writes_while_redis_is_down_are_503_and_change_nothing(
    api_client, signed_in, user, monkeypatch
):
    monkeypatch.setattr(revocation, "_client", unreachable_redis)

    response = api_client.patch(ME, {"nickname": "Changed"})

    assert _error(response) == (503, "session_check_unavailable")
    user.refresh_from_db()
    assert user.nickname == "Ada"


def test_after_one_failure_the_breaker_answers_without_asking_redis(
    api_client, signed_in, monkeypatch
):
    clients_handed_out = []

    def unreachable():
        clients_handed_out.append(1)
        return unreachable_redis()

    monkeypatch.setattr(revocation, "_client", unreachable)

    first = api_client.get(ME)
    second = api_client.get(ME)

    assert (_error(first), _error(second)) == (
        (503, "session_check_unavailable"),
        (503, "session_check_unavailable"),
    )
    assert clients_handed_out == [1]  # the second request never paid a connect timeout


def test_once_redis_answers_again_the_check_recovers_without_a_restart(
    api_client, signed_in, monkeypatch
):
    monkeypatch.setattr(revocation, "_client", unreachable_redis)
    assert _error(api_client.get(ME)) == (503, "session_check_unavailable")
    monkeypatch.undo()

    time.sleep(0.6)  # past the breaker's first back-off (0.5 s): the next request probes

    assert api_client.get(ME).status_code == 200


def test_logout_while_redis_is_down_is_503_and_can_be_retried(api_client, signed_in, monkeypatch):
    real = revocation._client
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) == 2:  # the check passes, then storing the revocation fails
            return unreachable_redis()
        return real()

    monkeypatch.setattr(revocation, "_client", flaky)

    failed = api_client.post(LOGOUT)
    retried = api_client.post(LOGOUT)

    assert _error(failed) == (503, "session_revoke_unavailable")
    assert retried.status_code == 204
    assert _error(api_client.get(ME)) == (401, "session_revoked")


def test_token_of_a_session_that_was_never_recorded_cannot_refresh(api_client):
    user = UserFactory()
    pair = token_pair_issue(
        user_id=user.pk,
        session_id="8d6f1f0e-3a8e-4a4e-9a58-5d3a3b9b8d11",
        generation=0,
        user_agent="x",
    )

    assert _error(api_client.post(REFRESH, {"refresh": pair.refresh})) == (401, "token_invalid")


def test_last_seen_is_written_at_most_once_a_minute(
    api_client, signed_in, django_assert_num_queries
):
    session = UserSession.objects.get()
    before = session.last_seen_at
    api_client.get(ME)  # the follow counts are in Redis from now on

    with django_assert_num_queries(0):  # the user from the process; seen under a minute ago
        api_client.get(ME)
    get_redis_connection("default").delete(revocation.seen_key(str(session.sid)))  # a minute on
    with django_assert_num_queries(1):  # last_seen_at
        api_client.get(ME)

    session.refresh_from_db()
    assert session.last_seen_at > before
