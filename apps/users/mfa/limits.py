"""The failure budgets around every second-factor check (see scholarnet.ratelimit.security)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest

from apps.users.errors import MfaCodeInvalid
from apps.users.rates import MFA_FAILURES_ACCOUNT, MFA_FAILURES_IP
from scholarnet.ratelimit.ident import client_ip, rate_limit_ident
from scholarnet.ratelimit.security import FailureBudget, failures_limited


@contextmanager
def mfa_failures_limited(*, user_id: int, request: HttpRequest) -> Iterator[None]:
    """429 once the account's or the address's wrong second-factor codes are spent.

    The account's budget is shared by sign-in, confirmation and disabling: six digits are
    guessable, so guesses must add up wherever they are made.
    """
    with failures_limited(
        FailureBudget(MFA_FAILURES_ACCOUNT, f"user:{user_id}", clear_on_success=True),
        FailureBudget(MFA_FAILURES_IP, f"ip:{rate_limit_ident(client_ip(request))}"),
        failures=(MfaCodeInvalid,),
    ):
        yield
