"""Structured logs: one JSON object per line, every line carrying the current request id.

A line always has ``time`` (ISO 8601 UTC), ``level``, ``logger``, ``message`` and ``request_id``
(``"-"`` outside a request or task); ``trace_id`` and ``span_id`` are added while an OpenTelemetry
span is recording; anything passed as ``extra=`` becomes a top-level key.

The request id lives in a context variable set by
:class:`scholarnet.observability.middleware.RequestIdMiddleware` (and by the Celery hooks in
:mod:`scholarnet.observability.task_context` for tasks), so every logger picks it up without being
handed the request.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

NO_REQUEST_ID = "-"
request_id_var: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST_ID)

# Attributes Django puts on its own records that are objects, not data; they would be logged as
# their repr (a request's repr carries the full URL, query string included).
_UNLOGGED_ATTRS = ("request", "server_time")


def get_request_id() -> str:
    return request_id_var.get()


def add_context(record: logging.LogRecord) -> None:
    """Put the request id, and the trace ids of an active span, on ``record`` unless set."""
    if not hasattr(record, "request_id"):
        record.request_id = request_id_var.get()
    if hasattr(record, "trace_id"):
        return
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        record.trace_id = format(span_context.trace_id, "032x")
        record.span_id = format(span_context.span_id, "016x")


class RequestIdFilter(logging.Filter):
    """Handler filter for plain-text formats that name ``%(request_id)s``."""

    def filter(self, record: logging.LogRecord) -> bool:
        add_context(record)
        return True


class JsonFormatter(_BaseJsonFormatter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s")
        kwargs.setdefault(
            "rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"}
        )
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__(*args, **kwargs)
        self._skip_fields.update(_UNLOGGED_ATTRS)

    def format(self, record: logging.LogRecord) -> str:
        # The formatter fills the context itself, so a handler without RequestIdFilter still
        # produces complete lines.
        add_context(record)
        return super().format(record)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
