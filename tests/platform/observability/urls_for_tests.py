"""A view that logs, for the request-id and tracing tests; the project's URLs come after it."""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

logger = logging.getLogger("tests.platform.observability.views")


def article_view(request: HttpRequest, pk: int) -> JsonResponse:
    logger.info("article viewed", extra={"article_id": pk})
    return JsonResponse({"id": pk})


def failing_view(request: HttpRequest) -> JsonResponse:
    try:
        raise ValueError("bad input")
    except ValueError:
        logger.exception("could not parse")
    return JsonResponse({"ok": False}, status=422)


urlpatterns = [
    path("articles/<int:pk>", article_view),
    path("failing", failing_view),
    path("", include("config.urls")),
]

handler404 = "scholarnet.api.views.page_not_found"
handler500 = "scholarnet.api.views.server_error"
