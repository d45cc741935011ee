"""Two-factor sign-in under concurrency, with threads against the real database and Redis."""

from __future__ import annotations

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from apps.users.mfa.services import _recovery_codes_replace, recovery_code_digest
from apps.users.models import RecoveryCode, UserSession
from tests.support.concurrency import run_together
from tests.users.conftest import USER_AGENT
from tests.users.factories import PASSWORD, UserFactory
from tests.users.test_mfa import START, totp_code

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def enrolled():
    user = UserFactory()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    return user, device, _recovery_codes_replace(user=user)


def _challenge(user) -> tuple[APIClient, str]:
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    body = client.post("/api/v1/auth/login", {"email": user.email, "password": PASSWORD}).json()
    return client, body["challenge"]


def _verify(client: APIClient, challenge: str, code: str) -> tuple[int, str | None]:
    response = client.post("/api/v1/auth/2fa/verify", {"challenge": challenge, "code": code})
    return response.status_code, response.json().get("code")


def test_one_totp_code_presented_twice_at_once_signs_in_once(enrolled):
    user, device, _ = enrolled
    attempts = [_challenge(user) for _ in range(2)]
    code = totp_code(device)

    results = run_together(2, lambda i: _verify(*attempts[i], code))

    assert sorted(results) == [(200, None), (400, "mfa_code_invalid")]
    assert UserSession.objects.filter(user=user).count() == 1


def test_one_recovery_code_presented_twice_at_once_signs_in_once(enrolled):
    user, _, codes = enrolled
    attempts = [_challenge(user) for _ in range(2)]

    results = run_together(2, lambda i: _verify(*attempts[i], codes[0]))

    assert sorted(results) == [(200, None), (400, "mfa_code_invalid")]
    assert UserSession.objects.filter(user=user).count() == 1


def test_one_challenge_finished_twice_at_once_starts_one_session(enrolled):
    user, _, codes = enrolled
    client, challenge = _challenge(user)

    results = run_together(2, lambda i: _verify(client, challenge, codes[i]))

    assert sorted(results) == [(200, None), (401, "mfa_challenge_invalid")]
    assert UserSession.objects.filter(user=user).count() == 1


def test_one_challenge_raced_with_two_recovery_codes_spends_only_the_winners(enrolled):
    user, _, codes = enrolled
    client, challenge = _challenge(user)

    results = run_together(2, lambda i: _verify(client, challenge, codes[i]))

    assert sorted(results) == [(200, None), (401, "mfa_challenge_invalid")]
    winner = [status for status, _ in results].index(200)
    spent = RecoveryCode.objects.filter(user=user, used_at__isnull=False)
    assert [code.code_hash for code in spent] == [recovery_code_digest(codes[winner])]
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 9
