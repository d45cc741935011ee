"""One place that turns every exception into the DESIGN.md §3 error envelope.

DRF calls :func:`exception_handler` for errors raised in API views; Django's ``handler404``,
``handler403``, ``handler400`` and ``handler500`` (see :mod:`scholarnet.api.views`) reuse
:func:`error_response` so plain Django errors look the same. Unexpected exceptions are logged with
their traceback and answered with a bare 500: nothing internal reaches the client.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from scholarnet.api.errors import ApplicationError, RateLimited, error_payload

__all__ = ["error_payload", "error_response", "exception_handler"]

logger = logging.getLogger(__name__)


def error_response(
    status: int, detail: str, code: str, extra: dict[str, Any] | None = None
) -> Response:
    return Response(error_payload(detail, code, extra), status=status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    # Every path answers instead of re-raising, so an ATOMIC_REQUESTS transaction must be told
    # to roll back here, as DRF's own handler does.
    set_rollback()
    return _render(exc, context)


def _render(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, ApplicationError):
        response = error_response(exc.status_code, exc.detail, exc.code, exc.extra)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        return error_response(404, "Not found.", "not_found")
    if isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if isinstance(exc, DjangoValidationError):
        # A model's full_clean() or a validator called from a service: a client error.
        exc = drf_exceptions.ValidationError(as_serializer_error(exc))
    if isinstance(exc, drf_exceptions.APIException):
        return _render_api_exception(exc)
    logger.exception("unhandled exception in API view", extra={"view": _view_name(context)})
    return error_response(500, "Internal server error.", "server_error")


def _render_api_exception(exc: drf_exceptions.APIException) -> Response:
    if isinstance(exc, drf_exceptions.ValidationError):
        response = error_response(
            exc.status_code, "The request is not valid.", "invalid", {"fields": _fields(exc.detail)}
        )
    else:
        response = error_response(exc.status_code, str(exc.detail), _first_code(exc))
    if isinstance(exc, drf_exceptions.Throttled):
        wait = max(1, math.ceil(getattr(exc, "wait", None) or 1))
        response.data["code"] = "rate_limited"
        response.data["extra"] = {"retry_after": wait}
        response["Retry-After"] = str(wait)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        response["WWW-Authenticate"] = auth_header
    return response


def _fields(detail: Any) -> dict[str, Any]:
    """Field name → list of messages; errors not tied to one field go under ``non_field_errors``."""
    if isinstance(detail, dict):
        return {str(key): _messages(value) for key, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _messages(item) for key, item in value.items()}
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return [str(item) for item in value]
        return [_messages(item) for item in value]
    return [str(value)]


def _first_code(exc: drf_exceptions.APIException) -> str:
    codes = exc.get_codes()
    while isinstance(codes, (list, dict)):
        if not codes:
            return exc.default_code
        codes = next(iter(codes.values())) if isinstance(codes, dict) else codes[0]
    return str(codes)


def _view_name(context: dict[str, Any]) -> str:
    view = context.get("view")
    return type(view).__name__ if view is not None else "unknown"
