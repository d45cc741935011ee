"""Redis sliding-window rate limiting: the limiter, service checks, middleware and DRF throttle.

Services call :func:`check_rate` or :func:`enforce_rate`; views use
:class:`scholarnet.ratelimit.throttles.RedisRateThrottle`; every request passes
:class:`scholarnet.ratelimit.middleware.GlobalRateLimitMiddleware`.
"""

from scholarnet.ratelimit.limiter import Decision, Rate, SlidingWindowLimiter, parse_rate
from scholarnet.ratelimit.service import LimiterUnavailable, check_rate, enforce_rate

__all__ = [
    "Decision",
    "LimiterUnavailable",
    "Rate",
    "SlidingWindowLimiter",
    "check_rate",
    "enforce_rate",
    "parse_rate",
]
