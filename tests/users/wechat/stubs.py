"""WeChat's side of the login, stubbed with ``responses``, and the browser's side."""

from __future__ import annotations

import json
from typing import Any

import responses
from django.test import Client, RequestFactory

from apps.users.wechat.state import COOKIE_NAME, COOKIE_SALT

URL_ENDPOINT = "/api/v1/auth/wechat/url"
CALLBACK_ENDPOINT = "/api/v1/auth/wechat/callback"
ACCESS_TOKEN_URL = "https://api.weixin.qq.com/sns/oauth2/access_token"
USER_INFO_URL = "https://api.weixin.qq.com/sns/userinfo"

APP_ID = "wx0123456789abcdef"
APP_SECRET = "test-app-secret"
REDIRECT_URI = "https://scholarnet.example/login/wechat"


def state_of(client: Client) -> str:
    """The state held by the browser's signed state cookie."""
    request = RequestFactory().get("/")
    request.COOKIES[COOKIE_NAME] = client.cookies[COOKIE_NAME].value
    return request.get_signed_cookie(COOKIE_NAME, salt=COOKIE_SALT)


def start_login(client: Client) -> str:
    response = client.get(URL_ENDPOINT)
    assert response.status_code == 200
    return state_of(client)


def stub_token(mock: responses.RequestsMock, **fields: Any) -> None:
    reply = {
        "access_token": "wechat-access-token",
        "expires_in": 7200,
        "refresh_token": "wechat-refresh-token",
        "openid": "o-open-id-1",
        "scope": "snsapi_login",
        "unionid": "u-union-id-1",
    }
    reply.update(fields)
    mock.add(responses.POST, ACCESS_TOKEN_URL, json={k: v for k, v in reply.items() if v})


def stub_user_info(
    mock: responses.RequestsMock, *, content_type: str = "text/plain", **fields: Any
) -> None:
    reply = {
        "openid": "o-open-id-1",
        "nickname": "张三",
        "sex": 1,
        "headimgurl": "https://thirdwx.qlogo.cn/mmopen/avatar/132",
        "unionid": "u-union-id-1",
    }
    reply.update(fields)
    # Raw UTF-8 bytes, as WeChat sends them, whatever the content type says.
    body = json.dumps(reply, ensure_ascii=False).encode()
    mock.add(responses.GET, USER_INFO_URL, body=body, content_type=content_type)
