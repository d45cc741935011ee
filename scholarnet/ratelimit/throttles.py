"""A DRF throttle on the Redis sliding window, for per-action limits (comment, like, search …).

The scope is the class's ``scope`` (a :class:`~scholarnet.ratelimit.scopes.RateScope` or the name
of one) or the view's ``throttle_scope``; its rate comes from the setting ``RATELIMIT_<SCOPE>``.
Hits are counted per user when authenticated, else per client IP. Key by something else by
overriding :meth:`RedisRateThrottle.get_ident_key`; a key built from request data must go through
:func:`~scholarnet.ratelimit.ident.key_digest` (the body may hold anything, lone surrogates too)::

    class CodeSendPhoneThrottle(RedisRateThrottle):
        scope = CODE_SEND_PHONE

        def get_ident_key(self, request, view):
            return f"phone:{key_digest(request.data.get('phone', ''))}"

Hooks registered with :func:`~scholarnet.ratelimit.tightening.rate_tightening_register` may
add scopes for a signed-in user (new accounts get tighter limits); each is checked as well.

Over the limit it raises :class:`~scholarnet.api.errors.RateLimited`, so the response is the
usual error envelope with ``Retry-After``. A Redis outage follows the scope (security scopes
count locally, the rest follow ``RATELIMIT_FAIL_OPEN``). Limits on *failed* attempts at a secret
are not throttles: see :mod:`scholarnet.ratelimit.security`.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from scholarnet.api.errors import RateLimited
from scholarnet.ratelimit.ident import client_ip, rate_limit_ident
from scholarnet.ratelimit.scopes import RateScope
from scholarnet.ratelimit.service import check_rate
from scholarnet.ratelimit.tightening import rate_tightenings


class RedisRateThrottle(BaseThrottle):
    scope: RateScope | str | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        scope = self.get_scope(view)
        ident = self.get_ident_key(request, view) if scope else None
        if scope is None or ident is None:
            return True
        decision = check_rate(scope, ident)
        if not decision.allowed:
            raise RateLimited(retry_after=math.ceil(decision.retry_after))
        for extra in self._tightenings(scope, request):
            decision = check_rate(extra, ident)
            if not decision.allowed:
                raise RateLimited(retry_after=math.ceil(decision.retry_after))
        return True

    def _tightenings(self, scope: RateScope | str, request: Request) -> list[RateScope]:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return rate_tightenings(scope if isinstance(scope, str) else scope.name, user)

    def get_scope(self, view: Any) -> RateScope | str | None:
        return self.scope or getattr(view, "throttle_scope", None)

    def get_ident_key(self, request: Request, view: Any) -> str | None:
        """Whose hits these are; None skips the throttle for this request."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return f"user:{user.pk}"
        return f"ip:{rate_limit_ident(client_ip(request))}"
