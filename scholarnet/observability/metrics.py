"""Prometheus metrics: the ``/metrics`` view and helpers for domain metrics.

django-prometheus measures requests, responses, views and the database; apps add their own
counts through :func:`counter`, :func:`histogram` and :func:`gauge`::

    from scholarnet.observability.metrics import counter

    ARTICLES_PUBLISHED = counter("articles_published_total", "Articles published.")
    ARTICLES_PUBLISHED.inc()

Names get the ``scholarnet_`` prefix. The helpers are idempotent: asking again for a name returns
the metric already registered (so a module imported twice, or reloaded, never fails with
"Duplicated timeseries"); asking for it with another type or other label names is a bug and
raises ``ValueError``.

Several processes (granian ``--workers N``, Celery, the relay, the consumers)
-----------------------------------------------------------------------------
Each process keeps its own counters, and a scrape reaches one web worker at random. To export
the sum over all of them, prometheus_client's multiprocess mode is on wherever more than one
process serves (``make run``, ``deploy/local-services.sh``, the Docker image):

* ``PROMETHEUS_MULTIPROC_DIR`` names one directory writable by every process of the
  installation, set in each process's environment before it starts and emptied before the
  first one starts (stale files from dead processes are summed too); see
  :mod:`scholarnet.observability.multiprocess`. ``run_stack`` does both for ``make run``.
* Processes without a web server (Celery, ``relay_outbox``, ``consume``) write there too, so
  their counters appear on the web's ``/metrics``.
* granian has no hook for a dead worker, so a respawned worker's live gauges (``livesum`` and
  the like) linger until the next start; under gunicorn, ``from
  scholarnet.observability.metrics import gunicorn_child_exit as child_exit`` in its config
  drops them.

Each process then writes its values to memory-mapped files in that directory, and ``/metrics``
(django-prometheus's ``ExportToDjangoView``) aggregates them with ``MultiProcessCollector``.
Gauges take a ``multiprocess_mode`` saying how the processes' values combine.

``METRICS_ALLOWED_IPS`` (addresses or networks; empty allows everyone) restricts who
may scrape. It is checked against the direct peer address (``REMOTE_ADDR``): scrape the workers
from inside the network and block ``/metrics`` at the public proxy.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_prometheus.exports import ExportToDjangoView
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, multiprocess
from prometheus_client.metrics import MetricWrapperBase

# Not the exception handler: importing DRF's views here would need the app registry.
from scholarnet.api.errors import error_payload

logger = logging.getLogger(__name__)

PREFIX = "scholarnet_"
GaugeMode = Literal["all", "liveall", "min", "livemin", "max", "livemax", "sum", "livesum"]
MetricT = TypeVar("MetricT", bound=MetricWrapperBase)

_lock = threading.Lock()
_metrics: dict[str, MetricWrapperBase] = {}


def counter(name: str, documentation: str, labelnames: Sequence[str] = ()) -> Counter:
    return _get_or_create(Counter, name, documentation, labelnames)


def histogram(
    name: str,
    documentation: str,
    labelnames: Sequence[str] = (),
    buckets: Sequence[float] = Histogram.DEFAULT_BUCKETS,
) -> Histogram:
    return _get_or_create(Histogram, name, documentation, labelnames, buckets=tuple(buckets))


def gauge(
    name: str,
    documentation: str,
    labelnames: Sequence[str] = (),
    multiprocess_mode: GaugeMode = "livesum",
) -> Gauge:
    return _get_or_create(
        Gauge, name, documentation, labelnames, multiprocess_mode=multiprocess_mode
    )


def metric_name(name: str) -> str:
    """``name`` with the ``scholarnet_`` prefix, added unless it is already there."""
    return name if name.startswith(PREFIX) else PREFIX + name


def _get_or_create(
    kind: type[MetricT],
    name: str,
    documentation: str,
    labelnames: Sequence[str],
    **options: Any,
) -> MetricT:
    full_name = metric_name(name)
    key = full_name.removesuffix("_total") if kind is Counter else full_name
    with _lock:
        metric = _metrics.get(key)
        if metric is None:
            metric = _registered(key)
        if metric is None:
            metric = kind(full_name, documentation, labelnames=labelnames, **options)
        if type(metric) is not kind or tuple(metric._labelnames) != tuple(labelnames):
            raise ValueError(
                f"metric {key} is already registered as a {type(metric).__name__} "
                f"with labels {tuple(metric._labelnames)}"
            )
        _metrics[key] = metric
        return metric


def _registered(key: str) -> MetricWrapperBase | None:
    """A metric this module created before it was reloaded (its registry outlives it)."""
    collector = getattr(REGISTRY, "_names_to_collectors", {}).get(key)
    return collector if isinstance(collector, MetricWrapperBase) else None


def gunicorn_child_exit(server: Any, worker: Any) -> None:
    """gunicorn ``child_exit`` hook: forget a dead worker's live gauges in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


@lru_cache(maxsize=8)
def _allowed_networks(
    entries: tuple[str, ...],
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_IPS: {exc}") from exc


def allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return _allowed_networks(tuple(getattr(settings, "METRICS_ALLOWED_IPS", ())))


def client_may_scrape(address: str) -> bool:
    networks = allowed_networks()
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


@require_safe
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    address = request.META.get("REMOTE_ADDR", "")
    if not client_may_scrape(address):
        logger.warning("metrics scrape refused", extra={"remote_addr": address})
        payload = error_payload("Metrics are not available to this client.", "permission_denied")
        return JsonResponse(payload, status=403)
    return ExportToDjangoView(request)
