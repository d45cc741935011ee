"""Rate checks for the middleware, the DRF throttle and services, with the Redis-outage policy.

``check_rate(LOGIN_FAILURES_IP, key)`` (or the scope's name) uses the rate of a declared
:class:`~scholarnet.ratelimit.scopes.RateScope`; ``check_rate("1/60s", f"sms:{phone}")`` takes a
literal rate. When Redis cannot be reached:

* a *security* scope counts in the process-local window (never open: password guessing must not
  become unlimited because Redis is down);
* everything else fails open (admits, logs at most once a minute, counts a metric) or closed
  (raises :class:`LimiterUnavailable`, a 503) as ``RATELIMIT_FAIL_OPEN`` or the caller's
  ``fail_open`` says.

A circuit breaker spares later requests the connect timeout.
"""

from __future__ import annotations

import logging
import math
import threading
import time

import redis
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from prometheus_client import Counter

from scholarnet.api.errors import RateLimited, ServiceUnavailable
from scholarnet.cache.breaker import CircuitBreaker
from scholarnet.ratelimit.limiter import Decision, Rate, SlidingWindowLimiter, parse_rate
from scholarnet.ratelimit.local import LOCAL_MEMBER_PREFIX, local_window
from scholarnet.ratelimit.scopes import RateScope, rate_scope_get

logger = logging.getLogger(__name__)

DECISIONS = Counter(
    "scholarnet_ratelimit_decisions",
    "Rate-limit checks by scope and outcome (allowed, denied).",
    ["scope", "outcome"],
)
UNAVAILABLE = Counter(
    "scholarnet_ratelimit_unavailable",
    "Rate-limit checks made without Redis; mode: let through (open), refused (closed) or "
    "counted in the process-local window (local).",
    ["scope", "mode"],
)

REDIS_FAILURES = (redis.RedisError, OSError)

# Shared by every check: they all talk to the same Redis.
breaker = CircuitBreaker()

_WARN_EVERY_SECONDS = 60.0
_warned_at = -math.inf
_warn_lock = threading.Lock()


class LimiterUnavailable(ServiceUnavailable):
    code = "rate_limiter_unavailable"
    default_detail = "Rate limiting is temporarily unavailable. Try again shortly."


def redis_client() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def resolve_rate(scope_or_rate: RateScope | str) -> tuple[str, Rate, bool]:
    """(namespace for keys and metrics, rate, security?) of a scope or a literal rate string."""
    scope = rate_scope_get(scope_or_rate) if isinstance(scope_or_rate, str) else scope_or_rate
    if scope is not None:
        return scope.name, scope.rate(), scope.security
    try:
        rate = parse_rate(scope_or_rate)  # type: ignore[arg-type]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{scope_or_rate!r} is neither a rate nor a declared scope: declare it as a RateScope "
            "in the owning app's rates module"
        ) from error
    return f"rate:{rate}", rate, False


def check_rate(
    scope_or_rate: RateScope | str, key: str, *, fail_open: bool | None = None
) -> Decision:
    """Count one hit for ``key`` under a scope or literal rate; see the module docstring."""
    namespace, rate, security = resolve_rate(scope_or_rate)
    return hit(rate, f"{namespace}:{key}", scope=namespace, fail_open=fail_open, security=security)


def enforce_rate(
    scope_or_rate: RateScope | str, key: str, *, fail_open: bool | None = None
) -> Decision:
    """Like :func:`check_rate`, but raises :class:`RateLimited` (429) when over the limit."""
    decision = check_rate(scope_or_rate, key, fail_open=fail_open)
    if not decision.allowed:
        raise RateLimited(retry_after=math.ceil(decision.retry_after))
    return decision


def hit(
    rate: Rate,
    key: str,
    *,
    scope: str,
    fail_open: bool | None = None,
    security: bool = False,
) -> Decision:
    if not settings.RATELIMIT_ENABLED:
        return Decision(allowed=True, remaining=rate.limit, retry_after=0.0)
    if breaker.allow():
        try:
            decision = SlidingWindowLimiter.for_rate(redis_client(), rate).hit(key)
        except REDIS_FAILURES as error:
            breaker.record_failure()
            _warn_unavailable(error)
        else:
            breaker.record_success()
            DECISIONS.labels(scope, "allowed" if decision.allowed else "denied").inc()
            return decision
    if security:
        UNAVAILABLE.labels(scope, "local").inc()
        return local_window.hit(rate, key)
    if fail_open is None:
        fail_open = bool(settings.RATELIMIT_FAIL_OPEN)
    UNAVAILABLE.labels(scope, "open" if fail_open else "closed").inc()
    if fail_open:
        return Decision(allowed=True, remaining=0, retry_after=0.0)
    raise LimiterUnavailable()


def hit_release(scope: RateScope, key: str, member: str) -> None:
    """Take back one admitted hit of ``check_rate(scope, key)``. Best effort: on a Redis error
    the hit keeps counting, which errs on the safe side."""
    full_key = f"{scope.name}:{key}"
    if member.startswith(LOCAL_MEMBER_PREFIX):
        local_window.release(full_key, member)
        return
    try:
        SlidingWindowLimiter.for_rate(redis_client(), scope.rate()).release(full_key, member)
    except REDIS_FAILURES as error:
        _warn_unavailable(error)


def scope_reset(scope: RateScope, key: str) -> None:
    """Forget every hit of ``key`` under ``scope``, here and in the local fallback. Best effort."""
    full_key = f"{scope.name}:{key}"
    local_window.reset(full_key)
    try:
        SlidingWindowLimiter.for_rate(redis_client(), scope.rate()).reset(full_key)
    except REDIS_FAILURES as error:
        _warn_unavailable(error)


def _warn_unavailable(error: BaseException) -> None:
    # During an outage every request lands here; one line a minute says enough.
    global _warned_at
    with _warn_lock:
        now = time.monotonic()
        if now - _warned_at < _WARN_EVERY_SECONDS:
            return
        _warned_at = now
    logger.warning("rate limiter cannot reach Redis: %r", error)


def reset_warning_interval() -> None:
    """Forget when the last outage warning was logged (tests)."""
    global _warned_at
    _warned_at = -math.inf
