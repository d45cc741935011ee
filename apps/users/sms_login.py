"""Sign-in with a phone number and a code sent by SMS.

The codes app owns the code (6 digits, 10 minutes, resend after 60 s, 3 wrong attempts, burned
on success); the SMS app delivers it. The account is created on the first successful login.
"""

from __future__ import annotations

from django.http import HttpRequest

from apps.codes.services import code_issue, code_verify
from apps.sms.services import sms_send
from apps.sms.templates import template_token
from apps.users.mfa.services import MfaChallenge, sign_in
from apps.users.services import IssuedSession, user_get_or_create_by_phone
from apps.users.throttles import code_failures_limited

LOGIN_CODE_PURPOSE = "login"
LOGIN_CODE_TEMPLATE = "login_code"


def sms_login_code_send(*, phone: str) -> None:
    """Raises ``RateLimited`` (429 ``code_send_too_frequent``) within the resend interval."""
    code = code_issue(purpose=LOGIN_CODE_PURPOSE, target=phone)
    sms_send(phone=phone, template_token=template_token(LOGIN_CODE_TEMPLATE), params={"code": code})


def sms_login(*, phone: str, code: str, request: HttpRequest) -> IssuedSession | MfaChallenge:
    """Raises ``RateLimited`` (429) once the phone's or the address's wrong codes are spent."""
    with code_failures_limited(phone=phone, request=request):
        code_verify(purpose=LOGIN_CODE_PURPOSE, target=phone, code=code)
    user = user_get_or_create_by_phone(phone=phone)
    return sign_in(user=user, request=request)
