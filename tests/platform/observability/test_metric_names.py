"""Every metric ScholarNet defines is named ``scholarnet_*`` (dashboards and alerts rely on it)."""

from __future__ import annotations

import importlib
import importlib.util
import sys

from django.apps import apps
from prometheus_client.metrics import MetricWrapperBase

MODULES = ("services", "selectors", "tasks", "consumers", "metrics", "apis", "stream", "relay")


def project_metrics() -> dict[str, str]:
    """Metric name → defining module, for every metric held by a module of the project."""
    importlib.import_module("config.urls")
    for config in apps.get_app_configs():
        if config.name.startswith(("apps.", "scholarnet.")):
            for module in MODULES:
                if importlib.util.find_spec(f"{config.name}.{module}") is not None:
                    importlib.import_module(f"{config.name}.{module}")
    found = {}
    # Module attributes, not the global registry: tests register metrics of their own there.
    for name, module in list(sys.modules.items()):
        if name.startswith(("apps.", "scholarnet.", "django_prometheus.")):
            for value in vars(module).values():
                if isinstance(value, MetricWrapperBase):
                    found[value._name] = name
    return found


def test_every_metric_has_the_scholarnet_prefix():
    metrics = project_metrics()

    unprefixed = {
        name: module for name, module in metrics.items() if not name.startswith("scholarnet_")
    }

    assert unprefixed == {}
    assert {"scholarnet_events_published", "scholarnet_cache_hits"} <= set(metrics)
