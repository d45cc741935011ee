"""Staff actions taken outside the moderators' queue (each app's admin), for the audit log.

An app's admin action calls :func:`staff_action_record` in the transaction of the change it
made; the app that keeps the audit log (moderation, append-only) registers a sink in its
``ready()``. Without a sink the call does nothing, so a lower app records its staff actions
without importing the app above it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

StaffActionSink = Callable[..., Any]

_sinks: list[StaffActionSink] = []


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
