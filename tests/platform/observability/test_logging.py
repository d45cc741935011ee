"""Request ids end to end: header in, every JSON log line of the request, header out."""

from __future__ import annotations

import io
import logging
import re

import pytest
from opentelemetry.sdk.trace import TracerProvider

from scholarnet.observability.logging import JsonFormatter, RequestIdFilter, request_id_var

pytestmark = pytest.mark.urls("tests.platform.observability.urls_for_tests")

VIEW_LOGGER = "tests.platform.observability.views"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_view_log_line_is_json_with_the_echoed_request_id(client, json_logs):
    read = json_logs(VIEW_LOGGER)

    response = client.get("/articles/7")

    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = read()
    assert ISO_UTC.match(line.pop("time"))
    assert line == {
        "level": "INFO",
        "logger": VIEW_LOGGER,
        "message": "article viewed",
        "request_id": request_id,
        "article_id": 7,
    }


@pytest.mark.parametrize("incoming", ["abc-123", "req.1:2_3", "A" * 128])
def test_a_safe_incoming_request_id_is_kept(client, json_logs, incoming):
    read = json_logs(VIEW_LOGGER)

    response = client.get("/articles/1", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] == incoming
    assert [line["request_id"] for line in read()] == [incoming]


@pytest.mark.parametrize(
    "incoming",
    ["has space", "line\nbreak", "trailing\n", "A" * 129, 'quote"d', "", "é"],
)
def test_an_unsafe_incoming_request_id_is_replaced(client, json_logs, incoming):
    read = json_logs(VIEW_LOGGER)

    response = client.get("/articles/1", HTTP_X_REQUEST_ID=incoming)

    request_id = response["X-Request-ID"]
    assert request_id != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert [line["request_id"] for line in read()] == [request_id]


def test_each_request_gets_its_own_id_and_none_leaks_out(client):
    first = client.get("/articles/1")["X-Request-ID"]
    second = client.get("/articles/1")["X-Request-ID"]

    assert first != second
    assert request_id_var.get() == "-"


def test_access_log_has_method_path_status_and_duration(client, json_logs):
    read = json_logs("scholarnet.access")

    response = client.get("/articles/3", {"token": "secret"}, HTTP_X_REQUEST_ID="req-1")

    [line] = read()
    assert response.status_code == 200
    assert line["logger"] == "scholarnet.access"
    assert line["level"] == "INFO"
    assert line["request_id"] == "req-1"
    assert line["method"] == "GET"
    assert line["path"] == "/articles/3"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["duration_ms"] >= 0
    assert line["message"] == f"GET /articles/3 200 {line['duration_ms']:.1f}ms"
    assert "secret" not in str(line)


def test_control_characters_in_the_path_are_escaped_in_the_access_message(client, json_logs):
    read = json_logs("scholarnet.access")

    client.get("/evil%0Aforged-line")

    [line] = read()
    assert line["path"] == "/evil\nforged-line"
    assert line["message"].startswith("GET /evil\\nforged-line 404 ")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
def test_probes_and_scrapes_are_not_access_logged(client, json_logs, path):
    read = json_logs("scholarnet.access")

    response = client.get(path)

    assert response.status_code == 200
    assert response["X-Request-ID"]
    assert read() == []


def test_django_error_response_log_carries_the_request_id(client, json_logs, settings):
    settings.DEBUG = False
    read = json_logs("django.request", "scholarnet.access")

    response = client.get("/no/such/page", HTTP_X_REQUEST_ID="req-404")

    assert response.status_code == 404
    lines = read()
    assert [(line["logger"], line["level"], line["message"]) for line in lines] == [
        ("django.request", "WARNING", "Not Found: /no/such/page"),
        ("scholarnet.access", "INFO", lines[1]["message"]),
    ]
    assert [line["request_id"] for line in lines] == ["req-404", "req-404"]
    assert lines[0]["status_code"] == 404
    assert "request" not in lines[0]


def test_exception_traceback_is_logged_in_the_line(client, json_logs):
    read = json_logs(VIEW_LOGGER)

    client.get("/failing", HTTP_X_REQUEST_ID="req-exc")

    [line] = read()
    assert line["level"] == "ERROR"
    assert line["message"] == "could not parse"
    assert line["request_id"] == "req-exc"
    assert line["exc_info"].startswith("Traceback (most recent call last):")
    assert line["exc_info"].endswith("ValueError: bad input")


def test_outside_a_request_the_id_is_a_dash(json_logs):
    read = json_logs("tests.outside")

    logging.getLogger("tests.outside").warning("boot")

    assert read()[0]["request_id"] == "-"


def test_trace_and_span_ids_are_added_while_a_span_is_active(json_logs):
    read = json_logs("tests.traced")
    tracer = TracerProvider().get_tracer("tests")

    with tracer.start_as_current_span("work") as span:
        logging.getLogger("tests.traced").warning("inside")
    logging.getLogger("tests.traced").warning("outside")

    inside, outside = read()
    context = span.get_span_context()
    assert inside["trace_id"] == format(context.trace_id, "032x")
    assert inside["span_id"] == format(context.span_id, "016x")
    assert "trace_id" not in outside


def test_console_format_gets_the_request_id_from_the_filter():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter("[%(request_id)s] %(message)s"))
    logger = logging.getLogger("tests.console")
    logger.addHandler(handler)
    token = request_id_var.set("req-console")
    try:
        logger.warning("hello")
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)

    assert stream.getvalue() == "[req-console] hello\n"


def test_an_explicit_request_id_extra_is_not_overwritten():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "m", None, None)
    record.request_id = "from-task"

    assert '"request_id": "from-task"' in JsonFormatter().format(record)
