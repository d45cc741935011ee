"""Kernel operations endpoints, mounted at the site root: probes and the Prometheus scrape."""

from django.urls import path

from scholarnet.observability.health import healthz, readyz
from scholarnet.observability.metrics import metrics_view

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="prometheus-django-metrics"),
]
