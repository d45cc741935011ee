"""Failure budgets: limits on failed attempts at a secret (a password, a code, a second factor).

Counting every attempt punishes people who share an address (a campus NAT signs in dozens of
researchers a minute); counting only failures lets anyone sign in who knows their password.
The count must still be checked *before* the secret is, or a guess made over the limit could
succeed, and concurrent guesses must not slip past it together. So each attempt reserves a slot
in every budget atomically (one sliding-window hit), and the outcome settles the reservation:

* a failure (one of ``failures``) keeps it: the slot is the failure;
* a success takes it back, and for a budget with ``clear_on_success`` (an account's own) wipes
  the earlier failures too; an address's budget keeps the failures of the others behind it;
* any other error takes it back: a crash is not a wrong guess.

Every scope used here must be a security scope (see :mod:`scholarnet.ratelimit.scopes`), so a
Redis outage moves the count to the process-local window instead of lifting it.

    with failures_limited(
        FailureBudget(LOGIN_FAILURES_ACCOUNT, account_key, clear_on_success=True),
        FailureBudget(LOGIN_FAILURES_IP, ip_key),
        failures=(InvalidCredentials,),
    ):
        user = user_authenticate(email=email, password=password)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from scholarnet.api.errors import RateLimited
from scholarnet.ratelimit.scopes import RateScope
from scholarnet.ratelimit.service import check_rate, hit_release, scope_reset


@dataclass(frozen=True, slots=True)
class FailureBudget:
    scope: RateScope
    key: str
    clear_on_success: bool = False


@dataclass(frozen=True, slots=True)
class _Reservation:
    budget: FailureBudget
    member: str | None


@contextmanager
def failures_limited(
    *budgets: FailureBudget, failures: tuple[type[BaseException], ...]
) -> Iterator[None]:
    """Run the block when every budget has room, else raise ``RateLimited`` (429)."""
    reservations = _reserve(budgets)
    try:
        yield
    except failures:
        raise
    except BaseException:
        _release(reservations)
        raise
    _release(reservations)
    for budget in budgets:
        if budget.clear_on_success:
            scope_reset(budget.scope, budget.key)


def _reserve(budgets: tuple[FailureBudget, ...]) -> list[_Reservation]:
    reservations: list[_Reservation] = []
    for budget in budgets:
        if not budget.scope.security:
            raise ImproperlyConfigured(f"{budget.scope.name!r} guards a secret: make it security")
        decision = check_rate(budget.scope, budget.key)
        if not decision.allowed:
            _release(reservations)
            raise RateLimited(retry_after=math.ceil(decision.retry_after))
        reservations.append(_Reservation(budget, decision.member))
    return reservations


def _release(reservations: list[_Reservation]) -> None:
    for reservation in reservations:
        if reservation.member is not None:
            hit_release(reservation.budget.scope, reservation.budget.key, reservation.member)
