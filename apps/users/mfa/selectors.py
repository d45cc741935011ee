"""What the status endpoint shows, and the pending enrolment the security page shows again."""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

import segno
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.users.models import RecoveryCode, User


@dataclass(frozen=True)
class PendingEnrolment:
    otpauth_uri: str
    qr_svg: str
    secret: str  # base32, for typing into an authenticator app by hand


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


def mfa_pending_enrolment_get(*, user: User) -> PendingEnrolment | None:
    """The unconfirmed device's URI, QR code and secret, so a page can show them until the
    user confirms (enrolling again would replace the secret already scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        return None
    uri = device.config_url
    return PendingEnrolment(
        otpauth_uri=uri,
        qr_svg=segno.make(uri, error="m").svg_inline(scale=4, title="Two-factor QR code"),
        secret=b32encode(device.bin_key).decode("ascii").rstrip("="),
    )
