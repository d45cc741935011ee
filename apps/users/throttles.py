"""Sign-in limits: throttles on sending codes, failure budgets on passwords and codes.

The rates are declared in :mod:`apps.users.rates`. Sending an SMS code is throttled per phone and
per client IP (every send costs money). Password and code *checks* are not throttled: they run
inside :func:`login_failures_limited` / :func:`code_failures_limited`, which count failures only
(see :mod:`scholarnet.ratelimit.security`). Every key built from request data is a digest
(:func:`~scholarnet.ratelimit.ident.key_digest`): the throttles run before validation, and the
data may hold anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request

from apps.codes.errors import CodeAttemptsExhausted
from apps.users.errors import InvalidCredentials
from apps.users.models import normalize_email
from apps.users.rates import (
    CODE_SEND_IP,
    CODE_SEND_PHONE,
    CODE_VERIFY_FAILURES_IP,
    CODE_VERIFY_FAILURES_PHONE,
    LOGIN_FAILURES_ACCOUNT,
    LOGIN_FAILURES_IP,
)
from scholarnet.api.errors import ValidationFailed
from scholarnet.ratelimit.ident import client_ip, key_digest, rate_limit_ident
from scholarnet.ratelimit.security import FailureBudget, failures_limited
from scholarnet.ratelimit.throttles import RedisRateThrottle


def _ip_key(request: HttpRequest) -> str:
    return f"ip:{rate_limit_ident(client_ip(request))}"


def _body_field(request: Request, name: str) -> object:
    # Throttles run before validation: the body may be anything.
    return request.data.get(name) if hasattr(request.data, "get") else None


class CodeSendIpThrottle(RedisRateThrottle):
    scope = CODE_SEND_IP

    def get_ident_key(self, request: Request, view: Any) -> str | None:
        return _ip_key(request)


class CodeSendPhoneThrottle(RedisRateThrottle):
    scope = CODE_SEND_PHONE

    def get_ident_key(self, request: Request, view: Any) -> str | None:
        phone = _body_field(request, "phone")
        return f"phone:{key_digest(phone)}" if isinstance(phone, str) and phone.strip() else None


@contextmanager
def login_failures_limited(*, email: str, request: HttpRequest) -> Iterator[None]:
    """Around a password check: 429 once the account's or the address's failures are spent."""
    with failures_limited(
        FailureBudget(
            LOGIN_FAILURES_ACCOUNT,
            f"email:{key_digest(normalize_email(email))}",
            clear_on_success=True,
        ),
        FailureBudget(LOGIN_FAILURES_IP, _ip_key(request)),
        failures=(InvalidCredentials,),
    ):
        yield


@contextmanager
def code_failures_limited(*, phone: str, request: HttpRequest) -> Iterator[None]:
    """Around an SMS code check: 429 once the phone's or the address's wrong codes are spent."""
    with failures_limited(
        FailureBudget(
            CODE_VERIFY_FAILURES_PHONE, f"phone:{key_digest(phone)}", clear_on_success=True
        ),
        FailureBudget(CODE_VERIFY_FAILURES_IP, _ip_key(request)),
        # code_expired is a failure too: guessing at a phone without a live code is guessing.
        failures=(ValidationFailed, CodeAttemptsExhausted),
    ):
        yield
