from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django_redis import get_redis_connection

from apps.sms.decorators import redis_key
from apps.sms.models import SmsMessage
from apps.sms.senders import SmsRequest, SmsResult, SmsSender, failures_of

logger = logging.getLogger(__name__)

# One {hash tag}, so the four keys share a slot as a script's keys must on Redis Cluster.
HEALTH_KEYS = ("{health}:sends", "{health}:errors", "{health}:slow", "{health}:mode")

# KEYS: sends window (sorted set), errors window (sorted set), consecutive slow sends, mode.
# ARGV[1] now (ms), ARGV[2] window (ms), ARGV[3] outcome "ok" | "error" | "none" (only read),
# ARGV[4] "1" if the send was slow, ARGV[5] a unique member, ARGV[6] slow sends that degrade,
# ARGV[7] error rate that degrades, ARGV[8] sends needed before the error rate counts.
# Records the outcome, trims both windows and stores and returns {mode, previous mode}: one
# script, so every process reads and updates the same windows without a lock.
HEALTH_SCRIPT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
if ARGV[3] ~= 'none' then
  redis.call('ZADD', KEYS[1], now, ARGV[5])
  redis.call('PEXPIRE', KEYS[1], window)
  if ARGV[3] == 'error' then
    redis.call('ZADD', KEYS[2], now, ARGV[5])
    redis.call('PEXPIRE', KEYS[2], window)
  end
  if ARGV[4] == '1' then
    redis.call('INCR', KEYS[3])
  else
    redis.call('SET', KEYS[3], 0)
  end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - window))
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. (now - window))
local sends = redis.call('ZCARD', KEYS[1])
local errors = redis.call('ZCARD', KEYS[2])
local slow = tonumber(redis.call('GET', KEYS[3]) or '0')
local mode = 'sync'
if slow >= tonumber(ARGV[6]) then
  mode = 'async'
elseif sends >= tonumber(ARGV[8]) and errors > sends * tonumber(ARGV[7]) then
  mode = 'async'
end
local previous = redis.call('GETSET', KEYS[4], mode) or 'sync'
return {mode, previous}
"""


@dataclass(frozen=True)
class HealthThresholds:
    slow_ms: int
    slow_consecutive: int
    error_rate: float
    window_seconds: int
    min_sends: int

    @classmethod
    def from_settings(cls) -> HealthThresholds:
        return cls(
            slow_ms=settings.SMS_ASYNC_SLOW_MS,
            slow_consecutive=settings.SMS_ASYNC_SLOW_CONSECUTIVE,
            error_rate=settings.SMS_ASYNC_ERROR_RATE,
            window_seconds=settings.SMS_ASYNC_WINDOW_SECONDS,
            min_sends=settings.SMS_ASYNC_MIN_SENDS,
        )


class SendHealth:
    """The health of provider sends, in Redis so every web process and worker agrees.

    Degraded ("async") while the last ``slow_consecutive`` sends were each slower than
    ``slow_ms``, or more than ``error_rate`` of the sends in the last ``window_seconds`` failed;
    healthy again when both stop being true. Workers record their sends too, so while everything
    is queued the windows keep moving and the switch back to sync happens on its own.
    """

    def __init__(self, thresholds: HealthThresholds | None = None) -> None:
        self.thresholds = thresholds or HealthThresholds.from_settings()

    def degraded(self, *, now: float | None = None) -> bool:
        return self._evaluate(outcome="none", slow=False, now=now)

    def record(self, *, duration_ms: float, failed: bool, now: float | None = None) -> bool:
        """Count one send; returns whether sends are now degraded."""
        slow = duration_ms > self.thresholds.slow_ms
        return self._evaluate(outcome="error" if failed else "ok", slow=slow, now=now)

    def _evaluate(self, *, outcome: str, slow: bool, now: float | None) -> bool:
        now_ms = int((time.time() if now is None else now) * 1000)
        limits = self.thresholds
        script = get_redis_connection("default").register_script(HEALTH_SCRIPT)
        mode, previous = script(
            keys=[redis_key(name) for name in HEALTH_KEYS],
            args=[
                now_ms,
                limits.window_seconds * 1000,
                outcome,
                "1" if slow else "0",
                f"{now_ms}-{uuid.uuid4().hex}",
                limits.slow_consecutive,
                limits.error_rate,
                limits.min_sends,
            ],
        )
        if mode != previous:
            logger.warning("SMS sends switch to %s", mode.decode())
        return mode == b"async"


class HealthRecorder:
    """Times each send of ``inner`` and records it in ``SendHealth``; the workers use it."""

    def __init__(self, inner: SmsSender, health: SendHealth) -> None:
        self.inner = inner
        self.health = health

    def send(self, request: SmsRequest) -> SmsResult:
        started = time.monotonic()
        try:
            result = self.inner.send(request)
        except Exception as error:
            if failures_of(error):
                self.health.record(duration_ms=_elapsed_ms(started), failed=True)
            raise
        self.health.record(duration_ms=_elapsed_ms(started), failed=False)
        return result


Enqueue = Callable[[SmsRequest, tuple], SmsMessage]


class AsyncSwitch:
    """Sends now while providers are healthy, hands messages to the workers while they are not.

    A queued message becomes an ``SmsMessage`` row in the caller's transaction and a Celery task
    after it commits. A send that fails now is queued too (with that first attempt counted), so
    the workers retry it instead of the caller losing it.
    """

    def __init__(self, inner: SmsSender, *, health: SendHealth, enqueue: Enqueue) -> None:
        self.measured = HealthRecorder(inner, health)
        self.health = health
        self.enqueue = enqueue

    def send(self, request: SmsRequest) -> SmsResult:
        if self.health.degraded():
            return SmsResult(queued=True, message=self.enqueue(request, ()))
        try:
            return self.measured.send(request)
        except Exception as error:
            failures = failures_of(error)
            if not failures:
                raise
            logger.warning("SMS send failed, queued for retry: %s", error)
            return SmsResult(queued=True, message=self.enqueue(request, failures))


def _elapsed_ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
