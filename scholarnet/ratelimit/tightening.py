"""Tighter per-action limits for some requesters, decided by an app above the kernel.

A throttle checks its own scope and then every extra scope the registered hooks name for this
request's user, all against the same identity: an app that knows who is new (moderation's
trust levels) holds new accounts to a lower rate without the app that owns the action
(comments, likes) importing it::

    rate_tightening_register(lambda scope_name, user: NEW_ACCOUNT_SCOPES.get(scope_name)
                             if trust_level_of(user) == 0 else None)

A hook takes the scope's name and the signed-in user and returns a scope or None; it runs on
every throttled request of a signed-in user, so it must be cheap (one indexed read at most).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scholarnet.ratelimit.scopes import RateScope

TighteningHook = Callable[[str, Any], RateScope | None]

_hooks: list[TighteningHook] = []


def rate_tightening_register(hook: TighteningHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def rate_tightenings(scope_name: str, user: Any) -> list[RateScope]:
    """The extra scopes that apply to ``user`` for an action of ``scope_name``."""
    found = (hook(scope_name, user) for hook in _hooks)
    return [scope for scope in found if scope is not None]
