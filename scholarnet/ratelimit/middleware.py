"""The global per-client-IP limit (``RATELIMIT_GLOBAL``) for every request.

It runs before sessions and authentication so a flood is turned away before it costs anything.
Probes and scrapes (``/healthz``, ``/readyz``, ``/metrics``) are exempt: an orchestrator must be
able to see a process that is busy refusing clients.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from scholarnet.api.errors import RateLimited
from scholarnet.api.exception_handler import error_payload
from scholarnet.ratelimit.ident import client_ip, rate_limit_ident
from scholarnet.ratelimit.limiter import parse_rate
from scholarnet.ratelimit.service import LimiterUnavailable, hit

EXEMPT_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class GlobalRateLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not settings.RATELIMIT_ENABLED or _is_exempt(request.path):
            return self.get_response(request)
        rate = parse_rate(settings.RATELIMIT_GLOBAL)
        key = f"global:{rate_limit_ident(client_ip(request))}"
        try:
            decision = hit(rate, key, scope="global")
        except LimiterUnavailable as error:
            return JsonResponse(error_payload(error.detail, error.code), status=error.status_code)
        if not decision.allowed:
            return _too_many_requests(math.ceil(decision.retry_after))
        return self.get_response(request)


def _is_exempt(path: str) -> bool:
    return (path.rstrip("/") or "/") in EXEMPT_PATHS


def _too_many_requests(retry_after: int) -> HttpResponse:
    error = RateLimited(retry_after=retry_after)
    response = JsonResponse(error_payload(error.detail, error.code, error.extra), status=429)
    response["Retry-After"] = str(error.retry_after)
    return response
