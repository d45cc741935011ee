"""System checks: observability settings that would otherwise fail only on the first request."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from scholarnet.observability.metrics import allowed_networks


def check_metrics_allowed_ips(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        allowed_networks()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="observability.E001")]
    return []


def register() -> None:
    checks.register(check_metrics_allowed_ips, checks.Tags.security)
