"""What the status endpoint shows."""

from __future__ import annotations

from dataclasses import dataclass

from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.users.models import RecoveryCode, User


@dataclass(frozen=True)
class MfaStatus:
    enabled: bool
    pending: bool  # enrolled, not yet confirmed
    recovery_codes_left: int


def mfa_status_get(*, user: User) -> MfaStatus:
    confirmed = set(TOTPDevice.objects.filter(user=user).values_list("confirmed", flat=True))
    left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
    return MfaStatus(
        enabled=True in confirmed, pending=False in confirmed, recovery_codes_left=left
    )
