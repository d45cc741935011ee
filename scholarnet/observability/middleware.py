"""Request ids and the access log.

:class:`RequestIdMiddleware` sits first in ``MIDDLEWARE``. It takes the id from ``X-Request-ID``
when the value is safe to log (1 to 128 characters of ``A-Z a-z 0-9 . _ : -``) or generates one,
makes it the current request id for every log line written while the request runs, echoes it in
the response, and writes one ``scholarnet.access`` line per request (``method``, ``path``,
``status``, ``duration_ms``; probes and scrapes are left out).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response

from scholarnet.observability.logging import request_id_var

REQUEST_ID_HEADER = "X-Request-ID"
# A client-supplied id is only trusted when it cannot smuggle anything into a log line.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Probes and scrapes arrive every few seconds; an access line for each would drown the log.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

access_logger = logging.getLogger("scholarnet.access")


def is_valid_request_id(value: str) -> bool:
    return _VALID_REQUEST_ID.fullmatch(value) is not None


def request_id_from_header(value: str) -> str:
    """The incoming id when it is safe to log, else a new one."""
    return value if is_valid_request_id(value) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = request_id_from_header(request.headers.get(REQUEST_ID_HEADER, ""))
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if response.status_code >= 400:
                # Django logs error responses after the middleware chain has returned, where the
                # request id is gone; logging here (once, Django skips it later) keeps it.
                log_response(
                    "%s: %s",
                    response.reason_phrase,
                    request.path,
                    response=response,
                    request=request,
                )
            if request.path not in QUIET_PATHS:
                _log_access(request, response, started)
        finally:
            request_id_var.reset(token)
        return response


def _log_access(request: HttpRequest, response: HttpResponse, started: float) -> None:
    if not access_logger.isEnabledFor(logging.INFO):
        return
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    access_logger.info(
        "%s %s %s %.1fms",
        request.method,
        # A decoded path may hold control characters; escaped, it cannot forge a log line.
        request.path.encode("unicode_escape").decode("ascii"),
        response.status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
        },
    )
