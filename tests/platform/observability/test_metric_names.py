"""Every metric ScholarNet defines is named ``scholarnet_*`` (dashboards and alerts rely on it)."""

from __future__ import annotations

import importlib
import importlib.util

from django.apps import apps
from prometheus_client import REGISTRY

# prometheus_client's own process and runtime collectors keep their standard names.
STANDARD_PREFIXES = ("process_", "python_")
MODULES = ("services", "selectors", "tasks", "consumers", "metrics", "apis", "stream", "relay")


def import_metric_modules() -> None:
    importlib.import_module("config.urls")
    for config in apps.get_app_configs():
        if not config.name.startswith(("apps.", "scholarnet.")):
            continue
        for module in MODULES:
            name = f"{config.name}.{module}"
            if importlib.util.find_spec(name) is not None:
                importlib.import_module(name)


def test_every_metric_has_the_scholarnet_prefix():
    import_metric_modules()

    names = {metric.name for metric in REGISTRY.collect()}
    unprefixed = sorted(
        name for name in names if not name.startswith(("scholarnet_", *STANDARD_PREFIXES))
    )

    assert unprefixed == []
    assert {"scholarnet_events_published", "scholarnet_cache_hits"} <= names
