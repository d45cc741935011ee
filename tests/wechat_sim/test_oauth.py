"""WeChat QR login end to end: the users app's social-core backend against the simulator."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from apps.users.models import User
from apps.wechat_sim.keys import login_settings
from apps.wechat_sim.oauth import identity

pytestmark = pytest.mark.django_db

CALLBACK = "/api/v1/auth/wechat/callback"


@pytest.fixture
def simulated_login(settings, tmp_path, wechat):
    for name, value in login_settings(directory=tmp_path, site_url="http://testserver").items():
        setattr(settings, name, value)
    settings.WECHAT_REDIRECT_URI = ""
    return settings


def _login(client: Client, *, name: str) -> tuple[object, dict[str, str]]:
    start = client.get("/api/v1/auth/wechat/url")
    assert start.status_code == 200, start.content
    url = urlsplit(start.json()["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        "http://testserver/wechat-sim/connect/qrconnect"
    )
    authorize = f"{url.path}?{url.query}"
    page = Client().get(authorize)  # WeChat's page: the browser's ScholarNet cookies stay home
    assert page.status_code == 200
    redirect = Client().post(authorize, {"name": name})
    assert redirect.status_code == 302
    back = urlsplit(redirect["Location"])
    params = {key: values[0] for key, values in parse_qs(back.query).items()}
    return client.get(CALLBACK, params), params


def test_qr_login_through_the_simulator_creates_the_user_with_union_and_open_id(
    client, simulated_login
):
    response, _params = _login(client, name="张三")

    assert response.status_code == 200, response.content
    assert {"access", "refresh"} <= set(response.json())
    user = User.objects.get()
    expected = identity(appid=simulated_login.WECHAT_APP_ID, name="张三")
    assert (user.wechat_union_id, user.wechat_open_id) == (expected["unionid"], expected["openid"])
    assert user.nickname == "张三"


def test_the_same_simulated_account_logs_in_as_the_same_user(client, simulated_login):
    _login(client, name="tester")
    second, _ = _login(Client(), name="tester")

    assert second.status_code == 200
    assert User.objects.count() == 1


def test_a_code_is_exchanged_once(client, simulated_login):
    first, params = _login(client, name="tester")
    assert first.status_code == 200

    replay = client.get(CALLBACK, params)

    assert replay.status_code >= 400
    assert User.objects.count() == 1


def test_the_token_endpoint_refuses_a_wrong_secret(simulated_login):
    response = Client().get(
        "/wechat-sim/sns/oauth2/access_token",
        {
            "appid": simulated_login.WECHAT_APP_ID,
            "secret": "wrong",
            "code": "x",
            "grant_type": "authorization_code",
        },
    )
    assert response.json()["errcode"] == 40125


def test_userinfo_refuses_a_forged_token(simulated_login):
    response = Client().get("/wechat-sim/sns/userinfo", {"access_token": "x", "openid": "o"})
    assert response.json()["errcode"] == 40001
