from urllib.parse import parse_qs, urlsplit

import pytest

from tests.users.wechat.stubs import APP_ID, REDIRECT_URI, URL_ENDPOINT, state_of

pytestmark = pytest.mark.django_db


def test_url_is_the_qrconnect_page_with_the_state_of_the_cookie(client, wechat_settings):
    response = client.get(URL_ENDPOINT)

    assert response.status_code == 200
    url = urlsplit(response.json()["url"])
    assert (url.scheme, url.netloc, url.path) == (
        "https",
        "open.weixin.qq.com",
        "/connect/qrconnect",
    )
    assert parse_qs(url.query) == {
        "appid": [APP_ID],
        "redirect_uri": [REDIRECT_URI],
        "response_type": ["code"],
        "scope": ["snsapi_login"],
        "state": [state_of(client)],
    }
    assert response.json() == {"url": response.json()["url"]}


def test_state_cookie_is_signed_http_only_lax_short_lived_and_scoped(client, wechat_settings):
    response = client.get(URL_ENDPOINT)

    cookie = response.cookies["wechat_state"]
    state = state_of(client)
    assert cookie.value != state  # signed, not the bare state
    assert len(state) >= 40
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 600
    assert cookie["path"] == "/api/v1/auth/wechat/"
    assert cookie["secure"] == ""
    assert "no-store" in response["Cache-Control"]


def test_cookie_is_secure_when_configured(client, wechat_settings):
    wechat_settings.WECHAT_STATE_COOKIE_SECURE = True

    response = client.get(URL_ENDPOINT)

    assert response.cookies["wechat_state"]["secure"] is True


def test_every_start_gets_a_new_state(client, wechat_settings):
    first = client.get(URL_ENDPOINT).json()["url"]
    first_state = state_of(client)
    second = client.get(URL_ENDPOINT).json()["url"]

    assert state_of(client) != first_state
    assert parse_qs(urlsplit(first).query)["state"] == [first_state]
    assert parse_qs(urlsplit(second).query)["state"] == [state_of(client)]


def test_redirect_uri_defaults_to_the_callback_endpoint(client, wechat_settings):
    wechat_settings.WECHAT_REDIRECT_URI = ""

    response = client.get(URL_ENDPOINT)

    query = parse_qs(urlsplit(response.json()["url"]).query)
    assert query["redirect_uri"] == ["http://testserver/api/v1/auth/wechat/callback"]


def test_a_stale_bearer_token_does_not_block_the_login(client, wechat_settings):
    response = client.get(URL_ENDPOINT, HTTP_AUTHORIZATION="Bearer not-a-token")

    assert response.status_code == 200


def test_disabled_login_answers_404_and_sets_no_cookie(client, settings):
    settings.WECHAT_LOGIN_ENABLED = False

    response = client.get(URL_ENDPOINT)

    assert response.status_code == 404
    assert response.json() == {
        "detail": "WeChat login is not enabled.",
        "code": "wechat_login_disabled",
        "extra": {},
    }
    assert "wechat_state" not in response.cookies


def test_enabled_login_without_credentials_answers_503(client, wechat_settings):
    wechat_settings.SOCIAL_AUTH_WEIXIN_SECRET = ""

    response = client.get(URL_ENDPOINT)

    assert response.status_code == 503
    assert response.json()["code"] == "wechat_login_misconfigured"
    assert "wechat_state" not in response.cookies
