"""A tiny URL map for the middleware tests: one ordinary view and the exempt probe paths."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

calls: list[str] = []


def record(request: HttpRequest) -> JsonResponse:
    calls.append(request.path)
    return JsonResponse({"ok": True})


urlpatterns = [
    path("ping", record),
    path("healthz", record),
    path("readyz", record),
    path("metrics", record),
]
