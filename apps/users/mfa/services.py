"""Enrol, confirm, disable, and the second step of sign-in."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.users.errors import (
    MfaAlreadyEnabled,
    MfaCodeInvalid,
    MfaNotEnabled,
    MfaNotEnrolled,
    UserInactive,
)
from apps.users.mfa.challenge import challenge_consume, challenge_issue, challenge_user_id
from apps.users.mfa.limits import mfa_failures_limited
from apps.users.models import RecoveryCode, User
from apps.users.services import IssuedSession, session_start

RECOVERY_CODE_COUNT = 10
# Crockford-style base32 without look-alikes: 10 characters are 50 random bits.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstvwxyz23456789"
_RECOVERY_LENGTH = 10
DEVICE_NAME = "authenticator"


@dataclass(frozen=True)
class Enrolment:
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True)
class MfaChallenge:
    challenge: str


def mfa_enabled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def sign_in(*, user: User, request: HttpRequest) -> IssuedSession | MfaChallenge:
    """Every sign-in path ends here: a session, or a challenge when the user has a second factor.

    The first factor is proven by the caller; no session exists until the second one is.
    """
    if mfa_enabled(user=user):
        return MfaChallenge(challenge=challenge_issue(user_id=user.pk, request=request))
    return session_start(user=user, request=request)


def mfa_enrol(*, user: User) -> Enrolment:
    """A new unconfirmed device (replacing an earlier unconfirmed one) and its QR code."""
    with transaction.atomic():
        if mfa_enabled(user=user):
            raise MfaAlreadyEnabled()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    uri = device.config_url
    return Enrolment(otpauth_uri=uri, qr_svg=segno.make(uri, error="m").svg_inline(scale=4))


def mfa_confirm(*, user: User, code: str, request: HttpRequest) -> list[str]:
    """Turns two-factor sign-in on; answers the recovery codes, shown this once."""
    with mfa_failures_limited(user_id=user.pk, request=request), transaction.atomic():
        device = _device_locked(user=user, confirmed=False)
        if device is None:
            raise MfaNotEnrolled()
        if not device.verify_token(code):
            raise MfaCodeInvalid()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return _recovery_codes_replace(user=user)


def mfa_disable(*, user: User, code: str, request: HttpRequest) -> None:
    """Needs a fresh TOTP code, or a recovery code (for a user who lost the authenticator)."""
    with mfa_failures_limited(user_id=user.pk, request=request), transaction.atomic():
        device = _device_locked(user=user, confirmed=True)
        if device is None:
            raise MfaNotEnabled()
        if not (device.verify_token(code) or _recovery_code_use(user=user, code=code)):
            raise MfaCodeInvalid()
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()


def mfa_verify(*, challenge: str, code: str, request: HttpRequest) -> IssuedSession:
    """The second step of sign-in: the challenge's user, a right code, then the session."""
    user_id = challenge_user_id(challenge=challenge, request=request)
    with mfa_failures_limited(user_id=user_id, request=request):
        user = _second_factor_check(user_id=user_id, code=code, challenge=challenge)
    return session_start(user=user, request=request)


def _second_factor_check(*, user_id: int, code: str, challenge: str) -> User:
    """The code checked and the challenge consumed as one step.

    The challenge is deleted while the device row is locked and before the code's spend
    commits: of two requests finishing one challenge with two recovery codes, the one that
    finds the challenge gone rolls back, so its code stays unused.
    """
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None or not user.is_active:
            raise UserInactive()
        device = _device_locked(user=user, confirmed=True)
        if device is None:
            # Disabled since the password step: the challenge proves only the first factor.
            raise MfaCodeInvalid()
        if not (device.verify_token(code) or _recovery_code_use(user=user, code=code)):
            raise MfaCodeInvalid()
        challenge_consume(challenge=challenge)
    return user


def mfa_recovery_codes_regenerate(*, user: User, code: str, request: HttpRequest) -> list[str]:
    """Ten new recovery codes for a fresh TOTP code; the old ones stop working at once.

    Only the authenticator's code is accepted: a recovery code must not mint ten more.
    """
    with mfa_failures_limited(user_id=user.pk, request=request), transaction.atomic():
        device = _device_locked(user=user, confirmed=True)
        if device is None:
            raise MfaNotEnabled()
        if not device.verify_token(code):
            raise MfaCodeInvalid()
        return _recovery_codes_replace(user=user)


def _device_locked(*, user: User, confirmed: bool) -> TOTPDevice | None:
    # The row lock makes verify_token's last_t check and update one step: two requests with the
    # same code in the same time step cannot both pass.
    return (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=confirmed)
        .order_by("pk")
        .first()
    )


def recovery_code_digest(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").strip().lower()
    return hashlib.sha256(normalized.encode()).hexdigest()


def _recovery_code_new() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _recovery_codes_replace(*, user: User) -> list[str]:
    codes = [_recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=recovery_code_digest(code)) for code in codes
    )
    return codes


def _recovery_code_use(*, user: User, code: str) -> bool:
    if len(code) > 32:
        return False
    spent = RecoveryCode.objects.filter(
        user=user, code_hash=recovery_code_digest(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    return spent == 1
