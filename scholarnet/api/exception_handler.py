"""One place that turns every exception into the error envelope.

DRF calls :func:`exception_handler` for errors raised in API views; Django's ``handler404``,
``handler403``, ``handler400`` and ``handler500`` (see :mod:`scholarnet.api.views`) reuse
:func:`error_response` so plain Django errors look the same. Unexpected exceptions are logged with
their traceback and answered with a bare 500: nothing internal reaches the client.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import (
    DisallowedHost,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from scholarnet.api.errors import (
    ApplicationError,
    InvalidHost,
    RateLimited,
    RequestTooLarge,
    TooManyFields,
    TooManyFiles,
    error_payload,
)

__all__ = ["error_payload", "error_response", "exception_handler"]

logger = logging.getLogger(__name__)

# Django raises these while it reads the request (query string, body, Host header): the client's
# fault, so a 400 in the envelope rather than the 500 of an unexpected exception.
_SUSPICIOUS_REQUESTS: tuple[tuple[type[SuspiciousOperation], type[ApplicationError]], ...] = (
    (TooManyFieldsSent, TooManyFields),
    (TooManyFilesSent, TooManyFiles),
    (RequestDataTooBig, RequestTooLarge),
    (DisallowedHost, InvalidHost),
)


def error_response(
    status: int, detail: str, code: str, extra: dict[str, Any] | None = None
) -> Response:
    return Response(error_payload(detail, code, extra), status=status)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    # Every path answers instead of re-raising, so an ATOMIC_REQUESTS transaction must be told
    # to roll back here, as DRF's own handler does.
    set_rollback()
    return _render(exc, context)


def application_error_for(exc: SuspiciousOperation) -> ApplicationError:
    """The client error standing for one of Django's refusals to read a request."""
    for django_error, error in _SUSPICIOUS_REQUESTS:
        if isinstance(exc, django_error):
            return error()
    return ApplicationError("The request could not be processed.", code="bad_request")


def _render(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, SuspiciousOperation):
        exc = application_error_for(exc)
    if isinstance(exc, ApplicationError):
        response = error_response(exc.status_code, exc.detail, exc.code, exc.extra)
        # 429s always say when to come back; a 503 does when it knows (an outage's cool-down).
        retry_after = getattr(exc, "retry_after", None)
        if isinstance(exc, RateLimited) or retry_after is not None:
            response["Retry-After"] = str(retry_after)
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


def _fields(detail: Any) -> dict[str, list[str]]:
    """Field name → list of messages, the documented ``{name: [string]}`` shape.

    Errors not tied to one field go under ``non_field_errors``. A nested serializer or a list
    field reports per item (``{"tags": {"0": [...]}}`` or ``[[...], []]``); those are flattened
    to dotted names (``tags.0``) so every client reads one shape.
    """
    if not isinstance(detail, dict):
        detail = {"non_field_errors": detail}
    fields: dict[str, list[str]] = {}
    for key, value in detail.items():
        _flatten(str(key), value, fields)
    return fields


def _flatten(name: str, value: Any, fields: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{name}.{key}", item, fields)
    elif isinstance(value, list) and not all(isinstance(item, str) for item in value):
        for index, item in enumerate(value):
            _flatten(f"{name}.{index}", item, fields)
    elif isinstance(value, list):
        if value:  # a valid item of a list of objects reports an empty list: nothing to say
            fields[name] = [str(item) for item in value]
    else:
        fields[name] = [str(value)]


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
