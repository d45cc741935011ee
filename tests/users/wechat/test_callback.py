from urllib.parse import parse_qs

import pytest
import requests
import responses
import time_machine
from django.test import Client

from apps.users.models import User, UserSession
from tests.users.wechat.stubs import (
    ACCESS_TOKEN_URL,
    APP_ID,
    APP_SECRET,
    CALLBACK_ENDPOINT,
    REDIRECT_URI,
    USER_INFO_URL,
    start_login,
    stub_token,
    stub_user_info,
)

pytestmark = pytest.mark.django_db


def finish_login(client: Client, state: str, code: str = "code-from-wechat"):
    return client.get(CALLBACK_ENDPOINT, {"code": code, "state": state})


def assert_nothing_created() -> None:
    assert User.objects.count() == 0
    assert UserSession.objects.count() == 0


def test_first_login_creates_the_user_and_answers_the_token_pair(
    client, wechat_settings, wechat_http
):
    state = start_login(client)
    stub_token(wechat_http)
    stub_user_info(wechat_http)

    response = finish_login(client, state)

    assert response.status_code == 200
    body = response.json()
    assert {"access", "refresh"} <= set(body)
    assert response["x-jwt-token"] == body["access"]
    assert response["x-refresh-token"] == body["refresh"]
    assert "no-store" in response["Cache-Control"]
    user = User.objects.get()
    assert (user.wechat_union_id, user.wechat_open_id) == ("u-union-id-1", "o-open-id-1")
    assert user.nickname == "张三"
    assert user.avatar_url == "https://thirdwx.qlogo.cn/mmopen/avatar/132"
    assert (user.email, user.phone, user.has_usable_password()) == (None, None, False)
    assert user.sessions.count() == 1


def test_the_code_is_exchanged_with_the_app_credentials(client, wechat_settings, wechat_http):
    state = start_login(client)
    stub_token(wechat_http)
    stub_user_info(wechat_http)

    finish_login(client, state, code="the-code")

    token_call, user_info_call = wechat_http.calls
    assert token_call.request.url == ACCESS_TOKEN_URL
    assert parse_qs(token_call.request.body) == {
        "grant_type": ["authorization_code"],
        "code": ["the-code"],
        "appid": [APP_ID],
        "secret": [APP_SECRET],
        "redirect_uri": [REDIRECT_URI],
    }
    assert user_info_call.request.url == (
        f"{USER_INFO_URL}?access_token=wechat-access-token&openid=o-open-id-1"
    )


def test_second_login_with_the_same_union_id_reuses_the_user(client, wechat_settings, wechat_http):
    stub_token(wechat_http)
    stub_user_info(wechat_http)
    assert finish_login(client, start_login(client)).status_code == 200
    user = User.objects.get()

    response = finish_login(client, start_login(client))

    assert response.status_code == 200
    assert User.objects.count() == 1
    assert list(UserSession.objects.values_list("user_id", flat=True)) == [user.pk, user.pk]


def test_same_union_id_from_another_open_id_is_the_same_user(client, wechat_settings, wechat_http):
    stub_token(wechat_http)
    stub_user_info(wechat_http)
    assert finish_login(client, start_login(client)).status_code == 200
    wechat_http.reset()
    stub_token(wechat_http, openid="o-open-id-other-app")
    stub_user_info(wechat_http, openid="o-open-id-other-app")

    response = finish_login(client, start_login(client))

    assert response.status_code == 200
    user = User.objects.get()
    assert (user.wechat_union_id, user.wechat_open_id) == ("u-union-id-1", "o-open-id-1")
    assert user.sessions.count() == 2


def test_an_app_without_union_ids_finds_users_by_open_id(client, wechat_settings, wechat_http):
    stub_token(wechat_http, unionid=None)
    stub_user_info(wechat_http, unionid=None)

    assert finish_login(client, start_login(client)).status_code == 200
    assert finish_login(client, start_login(client)).status_code == 200

    user = User.objects.get()
    assert (user.wechat_union_id, user.wechat_open_id) == (None, "o-open-id-1")
    assert user.sessions.count() == 2


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json", "application/json; charset=utf-8"]
)
def test_nickname_survives_any_content_type(client, wechat_settings, wechat_http, content_type):
    stub_token(wechat_http)
    stub_user_info(wechat_http, content_type=content_type, nickname="林小雨🌧")

    assert finish_login(client, start_login(client)).status_code == 200

    assert User.objects.get().nickname == "林小雨🌧"


def test_the_state_cookie_is_cleared_after_a_login(client, wechat_settings, wechat_http):
    stub_token(wechat_http)
    stub_user_info(wechat_http)
    state = start_login(client)

    response = finish_login(client, state)

    cookie = response.cookies["wechat_state"]
    assert (cookie.value, cookie["max-age"], cookie["path"]) == ("", 0, "/api/v1/auth/wechat/")
    replay = finish_login(client, state)
    assert replay.status_code == 400
    assert replay.json()["code"] == "wechat_state_invalid"
    assert len(wechat_http.calls) == 2  # the replay asked WeChat nothing


# --- Denied: the state ---------------------------------------------------------------------------


def assert_state_rejected(response, wechat_http) -> None:
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The login state is missing, expired or does not match; start again.",
        "code": "wechat_state_invalid",
        "extra": {},
    }
    assert len(wechat_http.calls) == 0
    assert_nothing_created()


def test_missing_state_is_rejected(client, wechat_settings, wechat_http):
    start_login(client)

    response = client.get(CALLBACK_ENDPOINT, {"code": "code-from-wechat"})

    assert_state_rejected(response, wechat_http)


def test_forged_state_is_rejected(client, wechat_settings, wechat_http):
    start_login(client)

    response = finish_login(client, "forged-state-0123456789")

    assert_state_rejected(response, wechat_http)


def test_state_from_another_browser_is_rejected(client, wechat_settings, wechat_http):
    state = start_login(client)

    response = finish_login(Client(), state)

    assert_state_rejected(response, wechat_http)


def test_unsigned_cookie_is_rejected(wechat_settings, wechat_http):
    browser = Client()
    browser.cookies["wechat_state"] = "attacker-chosen-state"

    response = finish_login(browser, "attacker-chosen-state")

    assert_state_rejected(response, wechat_http)


def test_expired_state_is_rejected(client, wechat_settings, wechat_http):
    with time_machine.travel("2026-03-01 12:00:00Z", tick=False) as clock:
        state = start_login(client)
        clock.shift(601)

        response = finish_login(client, state)

    assert_state_rejected(response, wechat_http)


def test_non_ascii_state_is_rejected_not_a_crash(client, wechat_settings, wechat_http):
    start_login(client)

    response = finish_login(client, "状态")

    assert_state_rejected(response, wechat_http)


def test_a_rejected_state_still_clears_the_cookie(client, wechat_settings, wechat_http):
    start_login(client)

    response = finish_login(client, "forged-state-0123456789")

    assert response.cookies["wechat_state"].value == ""


# --- Denied: WeChat's answer ---------------------------------------------------------------------


def test_user_who_declines_gets_cancelled(client, wechat_settings, wechat_http):
    state = start_login(client)

    response = client.get(CALLBACK_ENDPOINT, {"state": state})

    assert response.status_code == 400
    assert response.json()["code"] == "wechat_auth_cancelled"
    assert len(wechat_http.calls) == 0
    assert_nothing_created()


def test_rejected_code_is_wechat_auth_failed(client, wechat_settings, wechat_http):
    wechat_http.add(
        responses.POST, ACCESS_TOKEN_URL, json={"errcode": 40029, "errmsg": "invalid code"}
    )

    response = finish_login(client, start_login(client))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "WeChat did not accept the login; start again.",
        "code": "wechat_auth_failed",
        "extra": {"errcode": 40029},
    }
    assert len(wechat_http.calls) == 1
    assert_nothing_created()


def test_user_info_error_is_wechat_auth_failed(client, wechat_settings, wechat_http):
    stub_token(wechat_http)
    wechat_http.add(
        responses.GET, USER_INFO_URL, json={"errcode": 40003, "errmsg": "invalid openid"}
    )

    response = finish_login(client, start_login(client))

    assert response.status_code == 400
    assert response.json()["code"] == "wechat_auth_failed"
    assert response.json()["extra"] == {"errcode": 40003}
    assert_nothing_created()


@pytest.mark.parametrize(
    "stub",
    [
        pytest.param({"json": {"errcode": -1, "errmsg": "system error"}}, id="system-busy"),
        pytest.param({"status": 503, "body": "busy"}, id="server-error"),
        pytest.param({"body": requests.ConnectionError("refused")}, id="unreachable"),
        pytest.param({"body": requests.Timeout("slow")}, id="timeout"),
        pytest.param({"body": "<html>not json</html>"}, id="not-json"),
        pytest.param({"json": {"expires_in": 7200, "openid": "o-1"}}, id="no-access-token"),
        pytest.param({"json": {"access_token": "t", "expires_in": 7200}}, id="no-openid"),
    ],
)
def test_wechat_failure_is_502_wechat_unavailable(client, wechat_settings, wechat_http, stub):
    wechat_http.add(responses.POST, ACCESS_TOKEN_URL, **stub)

    response = finish_login(client, start_login(client))

    assert response.status_code == 502
    assert response.json()["code"] == "wechat_unavailable"
    assert response.cookies["wechat_state"].value == ""
    assert_nothing_created()


def test_disabled_login_answers_404_and_creates_nothing(client, wechat_settings, wechat_http):
    state = start_login(client)
    wechat_settings.WECHAT_LOGIN_ENABLED = False

    response = finish_login(client, state)

    assert response.status_code == 404
    assert response.json()["code"] == "wechat_login_disabled"
    assert len(wechat_http.calls) == 0
    assert_nothing_created()


def test_callbacks_are_limited_per_client_ip(client, wechat_settings, wechat_http):
    wechat_settings.RATELIMIT_WECHAT_LOGIN = "2/60s"
    wechat_http.add(
        responses.POST, ACCESS_TOKEN_URL, json={"errcode": 40029, "errmsg": "invalid code"}
    )
    for _ in range(2):
        assert finish_login(client, start_login(client)).status_code == 400

    response = finish_login(client, start_login(client))

    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) >= 1
    assert len(wechat_http.calls) == 2
    assert_nothing_created()
