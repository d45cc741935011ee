"""Django-level error handlers (``handler404`` …) that answer with the API error envelope."""

from __future__ import annotations

import logging

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, JsonResponse

from scholarnet.api.errors import ApplicationError, error_payload
from scholarnet.api.exception_handler import application_error_for

logger = logging.getLogger(__name__)


def _json_error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(error_payload(detail, code), status=status)


def application_error_response(error: ApplicationError) -> JsonResponse:
    """The envelope for an ApplicationError raised outside DRF (plain views, middleware)."""
    return JsonResponse(
        error_payload(error.detail, error.code, error.extra), status=error.status_code
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    # Django calls this for a SuspiciousOperation raised outside DRF (a middleware reading an
    # oversized query string or body): name which one, as the API's own handler does.
    if isinstance(exception, SuspiciousOperation):
        return application_error_response(application_error_for(exception))
    return _json_error(400, "Bad request.", "bad_request")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(
        403, "You do not have permission to perform this action.", "permission_denied"
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return _json_error(404, "Not found.", "not_found")


def server_error(request: HttpRequest) -> JsonResponse:
    # Django has already logged the exception with its traceback (django.request logger).
    return _json_error(500, "Internal server error.", "server_error")


def csrf_failure(request: HttpRequest, reason: str = "") -> JsonResponse:
    """CSRF rejections (cookie-authenticated unsafe requests) in the same envelope."""
    return _json_error(403, "CSRF verification failed.", "csrf_failed")
