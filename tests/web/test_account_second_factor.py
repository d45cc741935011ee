"""The web sign-in of a user with two-factor sign-in: the code before any session exists."""

from __future__ import annotations

import importlib.util
import re

import pytest
from django.conf import settings
from django.test import Client

from apps.users import revocation
from apps.users.models import UserSession
from apps.users.sessions import SESSION_ID_KEY
from tests.users.factories import PASSWORD, UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        importlib.util.find_spec("apps.users.mfa") is None
        or "django_otp.plugins.otp_totp" not in settings.INSTALLED_APPS,
        reason="the users app has no two-factor sign-in",
    ),
]

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


@pytest.fixture(autouse=True)
def _fresh_session_breaker():
    revocation.reset_breaker()
    yield
    revocation.reset_breaker()


def _totp_code(device) -> str:
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def enrolled_user():
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = UserFactory(email="ada@example.org")
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user


def test_the_password_then_the_authenticator_code_signs_in(enrolled_user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client(HTTP_USER_AGENT=USER_AGENT)
    first = client.post("/login/", {"email": enrolled_user.email, "password": PASSWORD})

    assert first.status_code == 200
    body = first.content.decode()
    assert 'action="/login/2fa"' in body
    assert UserSession.objects.count() == 0  # no session before the second factor
    assert SESSION_ID_KEY not in client.session
    challenge = re.search(r'name="challenge" value="([^"]+)"', body)[1]

    wrong = client.post("/login/2fa", {"challenge": challenge, "code": "000000"})
    code = _totp_code(TOTPDevice.objects.get(user=enrolled_user))
    if code != "000000":
        assert wrong.status_code in (400, 401)
        assert UserSession.objects.count() == 0

    response = client.post("/login/2fa", {"challenge": challenge, "code": code})

    assert response.status_code == 303
    session = UserSession.objects.get(user=enrolled_user)
    assert client.session[SESSION_ID_KEY] == str(session.sid)
    assert client.get("/me/sessions/").status_code == 200
