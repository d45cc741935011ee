"""Rate scopes: a per-action limit, declared by the app that owns the action.

An app declares its limits next to the code they guard::

    LOGIN_FAILURES_ACCOUNT = RateScope(
        "login_failures_account", default="5/15m", security=True,
        help="failed password sign-ins per account",
    )

and uses the object (``check_rate(LOGIN_FAILURES_ACCOUNT, key)``, a throttle's ``scope``) or its
name (a view's ``throttle_scope``). The rate is read on every check from the setting named
``RATELIMIT_<NAME>`` (upper case), which is also the environment variable of that name, else the
declared default: one name for a limit everywhere, and nothing appended to a shared dict in
distant sections of the settings.

A *security limiter* (``security=True``) guards credentials: sign-in, code send, code verify,
second factors. It never fails open; while Redis is unreachable it counts in a process-local
window instead (see :mod:`scholarnet.ratelimit.local`). Every other scope follows
``RATELIMIT_FAIL_OPEN``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from scholarnet.ratelimit.limiter import Rate, parse_rate

_registry: dict[str, RateScope] = {}
_registry_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class RateScope:
    name: str
    default: str
    security: bool = False
    help: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        parse_rate(self.default)  # a typo in a default fails at import, not on a request
        _register(self)

    @property
    def setting_name(self) -> str:
        return f"RATELIMIT_{self.name.upper()}"

    def rate(self) -> Rate:
        configured = getattr(settings, self.setting_name, None)
        if configured is None:
            configured = os.environ.get(self.setting_name)
        try:
            return parse_rate(str(configured or self.default))
        except ValueError as error:
            raise ImproperlyConfigured(f"{self.setting_name}: {error}") from error


def _register(scope: RateScope) -> None:
    with _registry_lock:
        known = _registry.get(scope.name)
        if known is not None and known != scope:
            raise ImproperlyConfigured(f"rate scope {scope.name!r} is declared twice, differently")
        _registry[scope.name] = scope


def rate_scope_get(name: str) -> RateScope | None:
    return _registry.get(name)


def rate_scope_list() -> list[RateScope]:
    """Every declared scope, by name: what the configuration table in the README lists."""
    return sorted(_registry.values(), key=lambda scope: scope.name)
