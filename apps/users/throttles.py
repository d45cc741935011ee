"""Per-action limits of sign-in, on the kernel's Redis sliding-window throttle.

Password login is limited per client IP and per email (scope ``login``), so guessing one
account's password from many addresses, or many accounts' passwords from one address, both stop
with 429 ``rate_limited`` and a ``Retry-After``. Every attempt counts, not only failed ones: the
check has to run before the password is checked, or a guess made over the limit could still
succeed; a person signs in successfully once, far below the limit. Sending an SMS code is limited
per phone and per IP (scope ``code_send``) on top of the codes app's one-code-a-minute rule.
Rates are in ``SCHOLARNET_RATELIMIT_RATES``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from apps.users.models import normalize_email
from scholarnet.ratelimit.ident import client_ip, rate_limit_ident
from scholarnet.ratelimit.throttles import RedisRateThrottle


def _ip_key(request: Request) -> str:
    return f"ip:{rate_limit_ident(client_ip(request))}"


def _body_field(request: Request, name: str) -> str:
    # Throttles run before validation: the body may be anything.
    value = request.data.get(name) if hasattr(request.data, "get") else None
    return value.strip() if isinstance(value, str) else ""


class LoginIpThrottle(RedisRateThrottle):
    scope = "login"

    def get_ident_key(self, request: Request, view: Any) -> str | None:
        return _ip_key(request)


class LoginEmailThrottle(RedisRateThrottle):
    scope = "login"

    def get_ident_key(self, request: Request, view: Any) -> str | None:
        email = _body_field(request, "email")
        return f"email:{normalize_email(email)}" if email else None


class CodeSendIpThrottle(RedisRateThrottle):
    scope = "code_send"

    def get_ident_key(self, request: Request, view: Any) -> str | None:
        return _ip_key(request)


class CodeSendPhoneThrottle(RedisRateThrottle):
    scope = "code_send"

    def get_ident_key(self, request: Request, view: Any) -> str | None:
        phone = _body_field(request, "phone")
        return f"phone:{phone}" if phone else None
