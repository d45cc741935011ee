"""Two-factor sign-in: enrol, confirm, sign in with a challenge, recovery codes (and new ones),
disable."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_redis import get_redis_connection
from rest_framework.test import APIClient

from apps.users.mfa.challenge import challenge_key
from apps.users.mfa.services import recovery_code_digest
from apps.users.models import RecoveryCode, UserSession
from tests.users.conftest import USER_AGENT, bearer, login
from tests.users.factories import PASSWORD

pytestmark = pytest.mark.django_db

BASE = "/api/v1/auth/2fa"
START = 1_800_000_000  # a fixed time, at the start of a 30 s step


def totp_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture(autouse=True)
def clock():
    # Frozen, so that codes are made and checked in a known step (and tokens stay fresh).
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def step(clock, steps: int = 1) -> None:
    clock.shift(timedelta(seconds=30 * steps))


@pytest.fixture
def enrolled(clock, api_client, signed_in, user) -> list[str]:
    """The user with a confirmed device; answers the recovery codes. The clock is one step on."""
    assert api_client.post(f"{BASE}/enrol").status_code == 200
    device = TOTPDevice.objects.get(user=user)
    response = api_client.post(f"{BASE}/confirm", {"code": totp_code(device)})
    assert response.status_code == 200, response.json()
    step(clock)
    return response.json()["recovery_codes"]


def password_login(client: APIClient, email: str) -> dict:
    response = client.post("/api/v1/auth/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return response.json()


def verify(client: APIClient, challenge: str, code: str):
    return client.post(f"{BASE}/verify", {"challenge": challenge, "code": code})


def test_enrol_answers_an_otpauth_uri_and_qr_svg_with_an_unconfirmed_device(
    api_client, signed_in, user
):
    response = api_client.post(f"{BASE}/enrol")

    assert response.status_code == 200
    body = response.json()
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is False
    assert body["otpauth_uri"] == device.config_url
    assert body["otpauth_uri"].startswith("otpauth://totp/ScholarNet%3Aada%40example.org?secret=")
    assert body["qr_svg"].startswith("<svg")
    assert api_client.get(BASE).json() == {
        "enabled": False,
        "pending": True,
        "recovery_codes_left": 0,
    }


def test_enrolling_again_replaces_the_unconfirmed_device(api_client, signed_in, user):
    api_client.post(f"{BASE}/enrol")
    first = TOTPDevice.objects.get(user=user)
    api_client.post(f"{BASE}/enrol")
    assert list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True)) != [first.pk]
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_confirm_turns_it_on_and_answers_ten_recovery_codes_kept_hashed(
    api_client, signed_in, user, enrolled
):
    assert len(enrolled) == 10
    assert len(set(enrolled)) == 10
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert stored == {recovery_code_digest(code) for code in enrolled}
    assert not stored & set(enrolled)
    assert TOTPDevice.objects.get(user=user).confirmed is True
    assert api_client.get(BASE).json() == {
        "enabled": True,
        "pending": False,
        "recovery_codes_left": 10,
    }
    again = api_client.post(f"{BASE}/enrol")
    assert again.status_code == 409
    assert again.json()["code"] == "mfa_already_enabled"


def test_confirm_with_a_wrong_code_leaves_it_off(api_client, signed_in, user, clock):
    api_client.post(f"{BASE}/enrol")
    response = api_client.post(f"{BASE}/confirm", {"code": "000000"})
    if totp_code(TOTPDevice.objects.get(user=user)) == "000000":
        pytest.skip("the random key made 000000 right")
    assert response.status_code == 400
    assert response.json()["code"] == "mfa_code_invalid"
    assert TOTPDevice.objects.get(user=user).confirmed is False
    assert not RecoveryCode.objects.exists()


def test_confirm_without_an_enrolment_is_refused(api_client, signed_in):
    response = api_client.post(f"{BASE}/confirm", {"code": "123456"})
    assert response.status_code == 409
    assert response.json()["code"] == "mfa_not_enrolled"


def test_password_login_of_an_enrolled_user_answers_a_challenge_not_tokens(
    api_client, user, enrolled
):
    sessions_before = UserSession.objects.count()
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)

    body = password_login(client, user.email)

    assert body["mfa_required"] is True
    assert set(body) == {"mfa_required", "challenge"}
    assert UserSession.objects.count() == sessions_before


def test_verify_with_a_totp_code_issues_tokens_as_login_does(api_client, user, enrolled):
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    challenge = password_login(client, user.email)["challenge"]

    response = verify(client, challenge, totp_code(TOTPDevice.objects.get(user=user)))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert response["x-jwt-token"] == body["access"]
    session = UserSession.objects.get(sid=body["session_id"])
    assert session.user_id == user.pk
    assert session.user_agent == USER_AGENT
    me = bearer(APIClient(HTTP_USER_AGENT=USER_AGENT), body["access"]).get("/api/v1/users/me")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk


def test_a_challenge_is_single_use(api_client, user, enrolled, clock):
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    challenge = password_login(client, user.email)["challenge"]
    assert verify(client, challenge, enrolled[0]).status_code == 200
    sessions = UserSession.objects.count()

    again = verify(client, challenge, enrolled[1])

    assert again.status_code == 401
    assert again.json()["code"] == "mfa_challenge_invalid"
    assert UserSession.objects.count() == sessions
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 9


def test_a_totp_code_is_accepted_once_within_its_window(api_client, user, enrolled):
    device = TOTPDevice.objects.get(user=user)
    code = totp_code(device)
    first = APIClient(HTTP_USER_AGENT=USER_AGENT)
    assert verify(first, password_login(first, user.email)["challenge"], code).status_code == 200
    sessions = UserSession.objects.count()

    second = APIClient(HTTP_USER_AGENT=USER_AGENT)
    replay = verify(second, password_login(second, user.email)["challenge"], code)

    assert replay.status_code == 400
    assert replay.json()["code"] == "mfa_code_invalid"
    assert UserSession.objects.count() == sessions
    device.refresh_from_db()
    assert device.last_t == START // 30 + 1


def test_the_next_steps_code_is_accepted(api_client, user, enrolled, clock):
    first = APIClient(HTTP_USER_AGENT=USER_AGENT)
    device = TOTPDevice.objects.get(user=user)
    verify(first, password_login(first, user.email)["challenge"], totp_code(device))
    step(clock)

    second = APIClient(HTTP_USER_AGENT=USER_AGENT)
    response = verify(second, password_login(second, user.email)["challenge"], totp_code(device))

    assert response.status_code == 200


def test_each_recovery_code_signs_in_once(api_client, user, enrolled):
    first = APIClient(HTTP_USER_AGENT=USER_AGENT)
    assert (
        verify(first, password_login(first, user.email)["challenge"], enrolled[3]).status_code
        == 200
    )
    assert RecoveryCode.objects.get(code_hash=recovery_code_digest(enrolled[3])).used_at is not None

    second = APIClient(HTTP_USER_AGENT=USER_AGENT)
    reused = verify(second, password_login(second, user.email)["challenge"], enrolled[3])

    assert reused.status_code == 400
    assert reused.json()["code"] == "mfa_code_invalid"
    assert api_client.get(BASE).json()["recovery_codes_left"] == 9


def test_recovery_codes_ignore_case_and_dashes(api_client, user, enrolled):
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    typed = enrolled[0].replace("-", "").upper()
    assert verify(client, password_login(client, user.email)["challenge"], typed).status_code == 200


def test_a_challenge_is_bound_to_the_user_agent(api_client, user, enrolled):
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    challenge = password_login(client, user.email)["challenge"]

    other = verify(APIClient(HTTP_USER_AGENT="curl/8.5.0"), challenge, enrolled[0])

    assert other.status_code == 401
    assert other.json()["code"] == "mfa_challenge_invalid"
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10
    assert verify(client, challenge, enrolled[0]).status_code == 200  # still the owner's


def test_an_expired_challenge_is_refused(api_client, user, enrolled, settings):
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    challenge = password_login(client, user.email)["challenge"]
    ttl = get_redis_connection("default").ttl(challenge_key(challenge))
    assert 0 < ttl <= settings.MFA_CHALLENGE_TTL
    get_redis_connection("default").delete(challenge_key(challenge))  # what the TTL does

    response = verify(client, challenge, enrolled[0])

    assert response.status_code == 401
    assert response.json()["code"] == "mfa_challenge_invalid"
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10


def test_wrong_codes_are_rate_limited_even_before_the_right_one(api_client, user, enrolled):
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    challenge = password_login(client, user.email)["challenge"]
    wrong = "999999" if totp_code(TOTPDevice.objects.get(user=user)) != "999999" else "111111"
    for _ in range(5):  # mfa_failures_account: 5 per 15 minutes
        assert verify(client, challenge, wrong).json()["code"] == "mfa_code_invalid"

    limited = verify(client, challenge, enrolled[0])

    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10


def test_disable_needs_a_fresh_code(api_client, signed_in, user, enrolled):
    wrong = api_client.post(f"{BASE}/disable", {"code": "not-a-code"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "mfa_code_invalid"
    assert TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    response = api_client.post(
        f"{BASE}/disable", {"code": totp_code(TOTPDevice.objects.get(user=user))}
    )

    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert "access" in login(APIClient(HTTP_USER_AGENT=USER_AGENT), user.email)


def test_disable_accepts_a_recovery_code(api_client, signed_in, user, enrolled):
    assert api_client.post(f"{BASE}/disable", {"code": enrolled[9]}).status_code == 204
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_disable_when_off_is_refused(api_client, signed_in):
    response = api_client.post(f"{BASE}/disable", {"code": "123456"})
    assert response.status_code == 409
    assert response.json()["code"] == "mfa_not_enabled"


def test_the_management_endpoints_need_a_signed_in_user(api_client):
    for method, path in (("get", BASE), ("post", f"{BASE}/enrol"), ("post", f"{BASE}/confirm")):
        assert getattr(api_client, method)(path).status_code == 401


def test_sms_login_of_an_enrolled_user_answers_a_challenge(api_client, user, enrolled, settings):
    from apps.codes.services import code_issue

    user.phone = "+447700900123"
    user.save(update_fields=["phone"])
    code = code_issue(purpose="login", target=user.phone)
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)

    response = client.post("/api/v1/auth/sms/login", {"phone": user.phone, "code": code})

    assert response.status_code == 200
    assert response.json()["mfa_required"] is True
    assert verify(client, response.json()["challenge"], enrolled[0]).status_code == 200


# --- new recovery codes -------------------------------------------------------------------

REGENERATE = f"{BASE}/recovery-codes"


def _hashes(user) -> set[str]:
    return set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))


def _wrong_code(user) -> str:
    return "999999" if totp_code(TOTPDevice.objects.get(user=user)) != "999999" else "111111"


def test_a_fresh_code_replaces_the_ten_recovery_codes(api_client, signed_in, user, enrolled):
    response = api_client.post(REGENERATE, {"code": totp_code(TOTPDevice.objects.get(user=user))})

    assert response.status_code == 200
    codes = response.json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert set(codes).isdisjoint(enrolled)
    assert _hashes(user) == {recovery_code_digest(code) for code in codes}
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10


def test_the_old_codes_stop_working_and_the_new_ones_sign_in(api_client, signed_in, user, enrolled):
    fresh = api_client.post(REGENERATE, {"code": totp_code(TOTPDevice.objects.get(user=user))})
    new_codes = fresh.json()["recovery_codes"]
    client = APIClient(HTTP_USER_AGENT=USER_AGENT)
    challenge = password_login(client, user.email)["challenge"]

    old = verify(client, challenge, enrolled[0])
    assert old.status_code == 400
    assert old.json()["code"] == "mfa_code_invalid"

    assert verify(client, challenge, new_codes[0]).status_code == 200


def test_a_recovery_code_cannot_mint_new_ones(api_client, signed_in, user, enrolled):
    before = _hashes(user)

    response = api_client.post(REGENERATE, {"code": enrolled[0]})

    assert response.status_code == 400
    assert response.json()["code"] == "mfa_code_invalid"
    assert _hashes(user) == before
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=True).count() == 10


def test_a_code_already_used_is_refused(api_client, signed_in, user, enrolled, clock):
    code = totp_code(TOTPDevice.objects.get(user=user))
    assert api_client.post(REGENERATE, {"code": code}).status_code == 200
    after_first = _hashes(user)

    again = api_client.post(REGENERATE, {"code": code})

    assert again.status_code == 400
    assert again.json()["code"] == "mfa_code_invalid"
    assert _hashes(user) == after_first


def test_without_two_factor_sign_in_it_is_refused(api_client, signed_in, user):
    response = api_client.post(REGENERATE, {"code": "123456"})

    assert response.status_code == 409
    assert response.json()["code"] == "mfa_not_enabled"
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_a_missing_code_is_a_validation_error(api_client, signed_in, user, enrolled):
    before = _hashes(user)

    response = api_client.post(REGENERATE, {})

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "code" in response.json()["extra"]["fields"]
    assert _hashes(user) == before


def test_wrong_codes_are_rate_limited_with_the_other_checks(api_client, signed_in, user, enrolled):
    before = _hashes(user)
    for _ in range(5):  # mfa_failures_account: 5 per 15 minutes, shared with sign-in
        assert api_client.post(REGENERATE, {"code": _wrong_code(user)}).status_code == 400

    limited = api_client.post(REGENERATE, {"code": totp_code(TOTPDevice.objects.get(user=user))})

    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert _hashes(user) == before


def test_it_needs_a_signed_in_user():
    response = APIClient(HTTP_USER_AGENT=USER_AGENT).post(REGENERATE, {"code": "123456"})

    assert response.status_code == 401
