"""The admin site, asking staff for a TOTP code too when ``ADMIN_REQUIRE_2FA`` is on.

django-otp's ``OTPAdminSite`` (its login form takes the code; a session counts as staff only once
verified by a device), switched on by the setting at request time so that one site serves both
modes. A staff member without a confirmed device is told on the login page to enrol first; the
API's ``/api/v1/auth/2fa`` endpoints do that.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

ENROL_FIRST = (
    "Staff must use two-factor sign-in for the admin. Enrol an authenticator app first "
    "(POST /api/v1/auth/2fa/enrol, then /confirm), then sign in here with its code."
)


class StaffTwoFactorAuthenticationForm(OTPAdminAuthenticationForm):
    def clean(self) -> dict[str, Any]:
        # The password and staff checks first, so the enrol message never tells who is staff.
        cleaned = super(OTPAdminAuthenticationForm, self).clean()
        user = self.get_user()
        if not user_has_device(user, confirmed=True):
            raise forms.ValidationError(ENROL_FIRST, code="mfa_enrol_required")
        self.clean_otp(user)
        return cleaned


class ScholarNetAdminSite(OTPAdminSite):
    @property  # type: ignore[override]
    def login_form(self) -> type | None:
        return StaffTwoFactorAuthenticationForm if settings.ADMIN_REQUIRE_2FA else None

    @property  # type: ignore[override]
    def login_template(self) -> str | None:
        return OTPAdminSite.login_template if settings.ADMIN_REQUIRE_2FA else None

    def has_permission(self, request: HttpRequest) -> bool:
        if settings.ADMIN_REQUIRE_2FA:
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
