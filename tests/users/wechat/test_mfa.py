"""A WeChat sign-in of a user with two-factor sign-in answers the challenge, not tokens."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.users.mfa.services import _recovery_codes_replace
from apps.users.models import UserSession
from tests.users.factories import UserFactory
from tests.users.wechat.stubs import CALLBACK_ENDPOINT, start_login, stub_token, stub_user_info

pytestmark = pytest.mark.django_db


def test_a_wechat_sign_in_of_an_enrolled_user_needs_the_second_factor(wechat_settings, wechat_http):
    user = UserFactory(wechat_union_id="u-union-id-1", wechat_open_id="o-open-id-1")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    codes = _recovery_codes_replace(user=user)
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 test")
    state = start_login(client)
    stub_token(wechat_http)
    stub_user_info(wechat_http)

    response = client.get(CALLBACK_ENDPOINT, {"code": "code-from-wechat", "state": state})

    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is True
    assert "x-jwt-token" not in response
    assert not UserSession.objects.exists()
    verified = client.post(
        "/api/v1/auth/2fa/verify",
        {"challenge": body["challenge"], "code": codes[0]},
        content_type="application/json",
    )
    assert verified.status_code == 200
    assert UserSession.objects.get(sid=verified.json()["session_id"]).user == user
