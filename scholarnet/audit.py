"""Staff actions taken outside the moderators' queue (each app's admin), for the audit log.

An app's admin action calls :func:`staff_action_record` in the transaction of the change it
made; the app that keeps the audit log (moderation, append-only) registers a sink in its
``ready()``. Without a sink the call does nothing, so a lower app records its staff actions
without importing the app above it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

StaffActionSink = Callable[..., Any]

_sinks: list[StaffActionSink] = []
_recorded_by_caller = contextvars.ContextVar("staff_action_recorded_by_caller", default=False)


def staff_action_sink_register(sink: StaffActionSink) -> None:
    if sink not in _sinks:
        _sinks.append(sink)


def staff_action_record(
    *,
    actor: Any,
    action: str,
    target_type: str,
    target_id: Any,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Who did what to which target, why, and the target's state before and after."""
    if _recorded_by_caller.get():
        return
    for sink in _sinks:
        sink(
            actor=actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            reason=reason,
            before=before or {},
            after=after or {},
        )


@contextmanager
def staff_action_recorded_by_caller() -> Iterator[None]:
    """The caller records this action itself (a moderator's take-down through a lower app's
    service): records made by the services it calls are skipped, so it is logged once."""
    token = _recorded_by_caller.set(True)
    try:
        yield
    finally:
        _recorded_by_caller.reset(token)
