"""Django-level error handlers (``handler404`` …): the API error envelope, or a page for browsers.

Under ``/api/`` and for every client that does not ask for HTML the answer is the JSON envelope
(API clients, the test client, probes). Outside ``/api/`` a browser (``Accept: text/html``) gets
a small HTML page with the same status, rendered from ``web/reading/error.html`` with no context
processors for the 500 (whatever failed must not fail the error page too).
"""

from __future__ import annotations

import logging

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from scholarnet.api.errors import ApplicationError, error_payload
from scholarnet.api.exception_handler import application_error_for

logger = logging.getLogger(__name__)


def _json_error(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse(error_payload(detail, code), status=status)


def _wants_html(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return False
    return "text/html" in request.headers.get("Accept", "")


def _error(
    request: HttpRequest, status: int, detail: str, code: str, *, title: str, with_request: bool
) -> HttpResponse:
    if not _wants_html(request):
        return _json_error(status, detail, code)
    context = {"status": status, "title": title, "detail": detail}
    try:
        body = render_to_string(
            "web/reading/error.html", context, request=request if with_request else None
        )
    except Exception:
        logger.exception("error page %s could not be rendered", status)
        return _json_error(status, detail, code)
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def application_error_response(error: ApplicationError) -> JsonResponse:
    """The envelope for an ApplicationError raised outside DRF (plain views, middleware)."""
    return JsonResponse(
        error_payload(error.detail, error.code, error.extra), status=error.status_code
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Django calls this for a SuspiciousOperation raised outside DRF (a middleware reading an
    # oversized query string or body): name which one, as the API's own handler does.
    if isinstance(exception, SuspiciousOperation) and not _wants_html(request):
        return application_error_response(application_error_for(exception))
    return _error(
        request, 400, "Bad request.", "bad_request", title="Bad request", with_request=False
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request,
        403,
        "You do not have permission to perform this action.",
        "permission_denied",
        title="Not allowed",
        with_request=True,
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(
        request, 404, "Not found.", "not_found", title="Page not found", with_request=True
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Django has already logged the exception with its traceback (django.request logger).
    return _error(
        request,
        500,
        "Internal server error.",
        "server_error",
        title="Something went wrong",
        with_request=False,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF rejections (cookie-authenticated unsafe requests) in the same envelope, or a page."""
    return (
        _error(
            request,
            403,
            "CSRF verification failed. Reload the page and try again.",
            "csrf_failed",
            title="Form expired",
            with_request=False,
        )
        if _wants_html(request)
        else _json_error(403, "CSRF verification failed.", "csrf_failed")
    )
