"""Sliding-window rate limiter: one Redis sorted set per key, evaluated in one Lua script.

Each admitted hit is a member scored by the Redis server's clock in microseconds. A hit first
drops members older than the window, then counts the rest: below the limit it is added, otherwise
it is refused with the time until the oldest member leaves the window. Doing all of it in one
script makes check-and-add atomic, so N concurrent clients can never admit more than the limit,
and using ``TIME`` on the server means application servers with skewed clocks still agree.
Refused hits are not recorded: a client that keeps knocking is admitted as soon as the window
allows, not punished further.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import lru_cache

import redis
from django.conf import settings

# KEYS[1] sorted set; ARGV limit, window in microseconds, unique member suffix.
# Returns {allowed (1/0), remaining, retry_after in microseconds, the admitted member or ''}.
_SLIDING_WINDOW_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  local member = clock[1] .. '.' .. clock[2] .. ':' .. ARGV[3]
  redis.call('ZADD', KEYS[1], now, member)
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
  return {1, limit - count - 1, 0, member}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] == nil then
  return {0, 0, window, ''}
end
return {0, 0, tonumber(oldest[2]) + window - now, ''}
"""

_UNIT_SECONDS = {
    "": 1,
    "s": 1,
    "sec": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": 86400,
    "day": 86400,
    "days": 86400,
}
_RATE = re.compile(r"(?P<limit>\d+)\s*/\s*(?P<count>\d+(?:\.\d+)?)?\s*(?P<unit>[a-z]*)")


@dataclass(frozen=True, slots=True)
class Rate:
    limit: int
    window_seconds: float

    def __str__(self) -> str:
        return f"{self.limit}/{self.window_seconds:g}s"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: float  # seconds until a hit would be admitted; 0 when allowed
    # The admitted hit's own entry, so a caller can take it back (see ``release``).
    member: str | None = None


@lru_cache(maxsize=256)
def parse_rate(rate: str) -> Rate:
    """``"100/60s"``, ``"5/m"``, ``"10/1h"``, ``"3/2 minutes"`` → :class:`Rate`."""
    match = _RATE.fullmatch(rate.strip().lower())
    if match is None or match["unit"] not in _UNIT_SECONDS:
        raise ValueError(f"not a rate: {rate!r} (expected e.g. '100/60s', '5/m', '10/1h')")
    window = float(match["count"] or 1) * _UNIT_SECONDS[match["unit"]]
    if window <= 0:
        raise ValueError(f"rate {rate!r} has an empty window")
    return Rate(limit=int(match["limit"]), window_seconds=window)


class SlidingWindowLimiter:
    def __init__(
        self,
        redis: redis.Redis,
        *,
        limit: int,
        window_seconds: float,
        key_prefix: str | None = None,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._redis = redis
        self._script = redis.register_script(_SLIDING_WINDOW_SCRIPT)
        self._prefix = f"{key_prefix if key_prefix is not None else _default_prefix()}:rl"

    @classmethod
    def for_rate(cls, redis: redis.Redis, rate: str | Rate) -> SlidingWindowLimiter:
        parsed = parse_rate(rate) if isinstance(rate, str) else rate
        return cls(redis, limit=parsed.limit, window_seconds=parsed.window_seconds)

    def hit(self, key: str) -> Decision:
        """Count one hit against ``key`` if the window has room. Raises Redis errors."""
        allowed, remaining, retry_after_us, member = self._script(
            keys=[self.redis_key(key)],
            args=[self.limit, int(self.window_seconds * 1_000_000), secrets.token_hex(6)],
        )
        member = member.decode() if isinstance(member, bytes) else str(member)
        return Decision(
            allowed=bool(allowed),
            remaining=int(remaining),
            retry_after=max(0.0, int(retry_after_us) / 1_000_000),
            member=member or None,
        )

    def release(self, key: str, member: str) -> None:
        """Take back one admitted hit: it no longer counts against the window."""
        self._redis.zrem(self.redis_key(key), member)

    def reset(self, key: str) -> None:
        self._redis.delete(self.redis_key(key))

    def redis_key(self, key: str) -> str:
        return f"{self._prefix}:{key}"


def _default_prefix() -> str:
    return str(settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "sn")
