"""OpenTelemetry tracing, switched on by ``OTEL_EXPORTER_OTLP_ENDPOINT``.

With the endpoint unset nothing is imported, instrumented or exported. With it set, every request
becomes a span named after its route, exported in batches over OTLP/HTTP to
``<endpoint>/v1/traces`` (the endpoint is the collector's base URL, as in the OpenTelemetry
specification; a URL already ending in ``/v1/traces`` is used as is), with
``service.name = OTEL_SERVICE_NAME``. Probes and scrapes are not traced unless
``OTEL_PYTHON_DJANGO_EXCLUDED_URLS`` says otherwise. Log lines written under a span carry its
``trace_id`` and ``span_id`` (see :mod:`scholarnet.observability.logging`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter, SpanProcessor

TRACES_PATH = "/v1/traces"
EXCLUDED_URLS = r"/healthz$,/readyz$,/metrics$"
_EXCLUDED_URLS_ENV = ("OTEL_PYTHON_DJANGO_EXCLUDED_URLS", "OTEL_PYTHON_EXCLUDED_URLS")


def configure_tracing(*, exporter: SpanExporter | None = None) -> TracerProvider | None:
    """Set up tracing when an endpoint is configured; returns the provider, or None when off.

    ``exporter`` replaces the OTLP exporter (tests pass an in-memory one); spans then go to it
    one by one as they end instead of in batches.
    """
    if exporter is None and not settings.OTEL_EXPORTER_OTLP_ENDPOINT:
        return None
    from opentelemetry import trace
    from opentelemetry.instrumentation.django import DjangoInstrumentor

    provider = _tracer_provider(_span_processor(exporter))
    trace.set_tracer_provider(provider)
    DjangoInstrumentor().instrument(tracer_provider=provider, excluded_urls=_excluded_urls())
    return provider


def _excluded_urls() -> str | None:
    """Ours, unless the environment names a list (None lets the instrumentor read that one)."""
    return None if any(os.environ.get(name) for name in _EXCLUDED_URLS_ENV) else EXCLUDED_URLS


def traces_endpoint(endpoint: str) -> str:
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(TRACES_PATH) else endpoint + TRACES_PATH


def _span_processor(exporter: SpanExporter | None) -> SpanProcessor:
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is not None:
        return SimpleSpanProcessor(exporter)
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    endpoint = traces_endpoint(settings.OTEL_EXPORTER_OTLP_ENDPOINT)
    return BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint))


def _tracer_provider(processor: SpanProcessor) -> TracerProvider:
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: settings.OTEL_SERVICE_NAME}))
    provider.add_span_processor(processor)
    return provider
