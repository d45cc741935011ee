from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from django.conf import settings
from django_redis import get_redis_connection

from apps.sms.decorators import redis_key
from apps.sms.senders import SmsRequest, SmsResult, SmsSender, failures_of

logger = logging.getLogger(__name__)

# KEYS[1] the state hash {active, timeouts}. ARGV[1] the active index the caller sent through,
# ARGV[2] the threshold, ARGV[3] the number of providers. A timeout counts only against the
# provider that is still active: when another process switched meanwhile, the stale report is
# dropped (compare-and-set), so concurrent reports never skip a provider. Returns the active index.
RECORD_TIMEOUT_SCRIPT = """
local count = tonumber(ARGV[3])
local active = tonumber(redis.call('HGET', KEYS[1], 'active') or '0') % count
if active ~= tonumber(ARGV[1]) then
  return active
end
if redis.call('HINCRBY', KEYS[1], 'timeouts', 1) >= tonumber(ARGV[2]) then
  active = (active + 1) % count
  redis.call('HSET', KEYS[1], 'active', active, 'timeouts', 0)
end
return active
"""

# KEYS[1] the state hash. ARGV[1] the index that answered in time, ARGV[2] the number of
# providers: the answer resets the run of timeouts only if that provider is still the active one.
RECORD_SUCCESS_SCRIPT = """
local active = tonumber(redis.call('HGET', KEYS[1], 'active') or '0') % tonumber(ARGV[2])
if active == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'timeouts', 0)
end
return active
"""


class TimeoutFailover:
    """Keeps one provider active and moves on after N consecutive timeouts of it.

    The active index and the run of timeouts live in one Redis hash shared by every process;
    both updates are Lua compare-and-sets, with no lock. The active provider is passed down as
    ``request.preferred_provider`` for ``round_robin`` (or ``PreferredProvider``) to honour.
    Errors other than timeouts neither count nor reset the run.
    """

    def __init__(
        self, inner: SmsSender, names: Sequence[str], *, threshold: int | None = None
    ) -> None:
        self.inner = inner
        self.names = list(names)
        self.threshold = threshold or settings.SMS_TIMEOUT_FAILOVER_THRESHOLD

    def send(self, request: SmsRequest) -> SmsResult:
        active = self.active_index()
        name = self.names[active]
        try:
            result = self.inner.send(replace(request, preferred_provider=name))
        except Exception as error:
            if any(f.provider == name and f.timeout for f in failures_of(error)):
                self._record_timeout(active)
            raise
        if any(f.provider == name and f.timeout for f in result.failures):
            self._record_timeout(active)
        elif result.provider == name:
            self._run(RECORD_SUCCESS_SCRIPT, active, len(self.names))
        return result

    def active_index(self) -> int:
        raw = get_redis_connection("default").hget(redis_key("timeout_failover"), "active")
        return int(raw or 0) % len(self.names)

    def _record_timeout(self, active: int) -> None:
        now_active = int(self._run(RECORD_TIMEOUT_SCRIPT, active, self.threshold, len(self.names)))
        if now_active != active:
            logger.warning(
                "SMS provider %s timed out %d times in a row; %s takes over",
                self.names[active],
                self.threshold,
                self.names[now_active % len(self.names)],
            )

    def _run(self, script: str, *args: int) -> Any:
        script_runner = get_redis_connection("default").register_script(script)
        return script_runner(keys=[redis_key("timeout_failover")], args=list(args))
