"""Whether the relay can send: its last success and its run of failures, shared through Redis.

The relay records every run that claimed rows: a run that delivered all of them is a success,
a run that delivered fewer (or raised) a failure. The record lives in Redis, not in the relay's
memory, so ``/readyz`` on any web process and the metrics of any relay see one state.

``/readyz`` fails when the outbox has rows waiting longer than ``EVENTS_RELAY_READINESS_AFTER``
seconds while no relay has sent anything for as long: a relay that keeps failing (a broker it
cannot write to) and a relay that does not run at all look the same to the readers who are
waiting for the events, and both need an operator.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

from scholarnet.events.models import OutboxEvent
from scholarnet.observability.metrics import gauge

logger = logging.getLogger(__name__)

LAST_SUCCESS_KEY = "events:relay:last_success"
FAILING_SINCE_KEY = "events:relay:failing_since"
FAILURES_KEY = "events:relay:consecutive_failures"
# Long enough to outlive any outage an operator would still want to see; not forever.
STATE_TIMEOUT_SECONDS = 7 * 24 * 3600

RELAY_LAST_SUCCESS = gauge(
    "events_relay_last_success_timestamp_seconds",
    "Unix time of the relay's last run that delivered every row it claimed.",
    multiprocess_mode="max",
)
RELAY_CONSECUTIVE_FAILURES = gauge(
    "events_relay_consecutive_failures",
    "Relay runs in a row that failed to deliver some of their rows (0 after a success).",
    multiprocess_mode="livemax",
)


class RelayStalled(Exception):
    """The outbox has waiting rows and no relay has delivered any for too long."""


@dataclass(frozen=True, slots=True)
class RelayState:
    last_success: float | None
    failing_since: float | None
    consecutive_failures: int


def relay_record_success() -> None:
    now = time.time()
    RELAY_LAST_SUCCESS.set(now)
    RELAY_CONSECUTIVE_FAILURES.set(0)
    try:
        cache.set(LAST_SUCCESS_KEY, now, timeout=STATE_TIMEOUT_SECONDS)
        cache.delete_many([FAILING_SINCE_KEY, FAILURES_KEY])
    except Exception:
        # The health record must never stop the relay itself.
        logger.warning("could not record the relay's success", exc_info=True)


def relay_record_failure() -> int:
    """Count one failed run; returns the failures in a row (0 if Redis could not say)."""
    try:
        cache.add(FAILING_SINCE_KEY, time.time(), timeout=STATE_TIMEOUT_SECONDS)
        cache.add(FAILURES_KEY, 0, timeout=STATE_TIMEOUT_SECONDS)
        failures = int(cache.incr(FAILURES_KEY))
    except Exception:
        logger.warning("could not record the relay's failure", exc_info=True)
        return 0
    RELAY_CONSECUTIVE_FAILURES.set(failures)
    return failures


def relay_state_get() -> RelayState:
    values = cache.get_many([LAST_SUCCESS_KEY, FAILING_SINCE_KEY, FAILURES_KEY])
    return RelayState(
        last_success=values.get(LAST_SUCCESS_KEY),
        failing_since=values.get(FAILING_SINCE_KEY),
        consecutive_failures=int(values.get(FAILURES_KEY) or 0),
    )


def check_relay() -> str:
    """The readiness check (``scholarnet.observability.health``): "ok", "skipped" or raises."""
    threshold = settings.EVENTS_RELAY_READINESS_AFTER
    if threshold <= 0:
        return "skipped"
    now = time.time()
    oldest = _oldest_unsent_created_at()
    if oldest is None or now - oldest < threshold:
        return "ok"
    state = relay_state_get()
    if state.last_success is not None and now - state.last_success < threshold:
        return "ok"
    raise RelayStalled(
        f"outbox rows waiting {now - oldest:.0f}s; {state.consecutive_failures} relay "
        f"failure(s) in a row; last success {_ago(state.last_success, now)}"
    )


def _oldest_unsent_created_at() -> float | None:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        # The unsent index is in id order, so the first unsent row is the oldest one.
        created_at = (
            OutboxEvent.objects.filter(sent_at__isnull=True)
            .order_by("id")
            .values_list("created_at", flat=True)
            .first()
        )
    finally:
        # Readiness checks run in short-lived threads: the connection must not outlive it.
        connection.close()
    return created_at.timestamp() if created_at else None


def _ago(moment: float | None, now: float) -> str:
    return "never" if moment is None else f"{now - moment:.0f}s ago"
