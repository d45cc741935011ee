"""Every answer under ``/api/`` that is an error is JSON in the error envelope, whatever DEBUG says.

With DEBUG on, Django answers an unknown URL with the HTML page that lists every URL pattern, a
bad ``Host`` header or an unexpected exception with a traceback page that dumps the settings,
and neither goes through ``handler404``/``handler500``. This middleware sits near the top of
``MIDDLEWARE``: it refuses a bad Host itself, and rewrites any non-JSON error response from the
layers below (Django's debug pages, a plain view's empty 405) into the envelope. DRF's own error
responses are already enveloped; if a client negotiated the browsable HTML renderer, their data
is re-rendered as JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import DisallowedHost, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from scholarnet.api.errors import InvalidHost, error_payload
from scholarnet.api.exception_handler import application_error_for
from scholarnet.api.views import application_error_response

API_PREFIX = "/api/"

# Status → (code, detail) for an error response that carries no envelope of its own.
_GENERIC_ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "Bad request."),
    401: ("not_authenticated", "Authentication credentials were not provided or are not valid."),
    403: ("permission_denied", "You do not have permission to perform this action."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "The method is not allowed on this resource."),
    413: ("payload_too_large", "The request body is too large."),
    500: ("server_error", "Internal server error."),
}
# Headers of the original response that a client still needs from the rewritten one.
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "X-Request-ID")


class ApiErrorEnvelopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            request.get_host()
        except DisallowedHost:
            return application_error_response(InvalidHost())
        try:
            response = self.get_response(request)
        except SuspiciousOperation as error:
            # With DEBUG on, Django's error page reads the query string again to show it, so
            # too many parameters escape every handler below; answer them here.
            return application_error_response(application_error_for(error))
        if response.status_code < 400 or _is_json(response):
            return response
        return _enveloped(response)


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


def _enveloped(response: HttpResponseBase) -> HttpResponse:
    data: Any = getattr(response, "data", None)
    if isinstance(data, dict) and {"detail", "code"} <= data.keys():
        payload = error_payload(str(data["detail"]), str(data["code"]), data.get("extra"))
    else:
        code, detail = _GENERIC_ERRORS.get(response.status_code, ("error", "Error."))
        payload = error_payload(detail, code)
    enveloped = JsonResponse(payload, status=response.status_code)
    for header in _KEPT_HEADERS:
        if header in response:
            enveloped[header] = response[header]
    return enveloped
