"""Tracing is off without an OTLP endpoint and produces route-named spans with one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from opentelemetry import trace
from opentelemetry.instrumentation.django import DjangoInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from scholarnet.observability.tracing import configure_tracing, traces_endpoint

pytestmark = pytest.mark.urls("tests.platform.observability.urls_for_tests")

OTEL_MIDDLEWARE = DjangoInstrumentor._opentelemetry_middleware


class RecordingOTLPExporter(InMemorySpanExporter):
    """Stands in for the OTLP exporter: keeps the endpoint it was given and the spans."""

    endpoints: list[str] = []

    def __init__(self, endpoint: str, **kwargs: Any) -> None:
        super().__init__()
        RecordingOTLPExporter.endpoints.append(endpoint)
        RecordingOTLPExporter.last = self


@pytest.fixture
def tracing(settings, monkeypatch) -> Iterator[Callable[..., TracerProvider | None]]:
    # The instrumentor inserts its middleware into the list in place; give it a copy to edit.
    settings.MIDDLEWARE = list(settings.MIDDLEWARE)
    # The process-wide provider can be set only once; these tests use the provider they get.
    monkeypatch.setattr(trace, "set_tracer_provider", lambda provider: None)
    providers: list[TracerProvider] = []

    def configure(**kwargs: Any) -> TracerProvider | None:
        provider = configure_tracing(**kwargs)
        if provider is not None:
            providers.append(provider)
        return provider

    yield configure
    DjangoInstrumentor().uninstrument()
    for provider in providers:
        provider.shutdown()


def test_without_an_endpoint_nothing_is_instrumented(tracing):
    assert django_settings.OTEL_EXPORTER_OTLP_ENDPOINT == ""
    assert tracing() is None
    assert DjangoInstrumentor().is_instrumented_by_opentelemetry is False
    assert OTEL_MIDDLEWARE not in django_settings.MIDDLEWARE
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)


def test_with_an_endpoint_requests_are_exported_over_otlp_in_batches(
    client, settings, monkeypatch, tracing
):
    settings.OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318"
    RecordingOTLPExporter.endpoints = []
    monkeypatch.setattr(
        "opentelemetry.exporter.otlp.proto.http.trace_exporter.OTLPSpanExporter",
        RecordingOTLPExporter,
    )

    provider = tracing()
    assert provider is not None
    assert settings.MIDDLEWARE[0] == OTEL_MIDDLEWARE
    response = client.get("/articles/5")
    provider.force_flush()

    assert response.status_code == 200
    assert RecordingOTLPExporter.endpoints == ["http://127.0.0.1:4318/v1/traces"]
    [span] = RecordingOTLPExporter.last.get_finished_spans()
    assert span.name == "GET articles/<int:pk>"
    assert span.attributes["http.route"] == "articles/<int:pk>"
    assert span.resource.attributes["service.name"] == "scholarnet"


def test_the_service_name_comes_from_settings(client, settings, tracing):
    settings.OTEL_SERVICE_NAME = "scholarnet-worker"
    exporter = InMemorySpanExporter()
    tracing(exporter=exporter)

    client.get("/articles/1")

    [span] = exporter.get_finished_spans()
    assert span.resource.attributes["service.name"] == "scholarnet-worker"


def test_log_lines_of_a_traced_request_carry_its_trace_id(client, tracing, json_logs):
    exporter = InMemorySpanExporter()
    tracing(exporter=exporter)
    read = json_logs("tests.platform.observability.views")

    client.get("/articles/9", HTTP_X_REQUEST_ID="req-traced")

    [span] = exporter.get_finished_spans()
    [line] = read()
    assert line["request_id"] == "req-traced"
    assert line["trace_id"] == format(span.context.trace_id, "032x")
    assert line["span_id"] == format(span.context.span_id, "016x")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_scrapes_are_not_traced(client, tracing, path):
    exporter = InMemorySpanExporter()
    tracing(exporter=exporter)

    assert client.get(path).status_code == 200
    assert exporter.get_finished_spans() == ()


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("http://collector:4318", "http://collector:4318/v1/traces"),
        ("http://collector:4318/", "http://collector:4318/v1/traces"),
        ("https://otel.example/v1/traces", "https://otel.example/v1/traces"),
    ],
)
def test_the_traces_path_is_added_to_a_base_endpoint(endpoint, expected):
    assert traces_endpoint(endpoint) == expected
