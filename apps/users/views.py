"""The anonymous fast path of ``GET /api/v1/users/{id}``, the public profile.

Like the article detail's (:mod:`apps.articles.views`): for an anonymous reader asking for JSON,
a plain Django view answers from the two-level cache's process-local tier (no Redis round trip
while the entry is fresh; pub/sub invalidation drops it on change) without DRF's dispatch, with
the same bytes and headers the DRF view renders (a test holds the two together). Everything else
goes to the DRF view, which stays the definition of the endpoint: credentials, another method or
media type, a query string, and every id the selector does not find (its 404).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.users import selectors
from scholarnet.api.errors import ApplicationError
from scholarnet.api.views import application_error_response

JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
# What the DRF view adds to every response: it answers per Accept, and lists its methods.
PROFILE_HEADERS = {"Vary": "Accept", "Allow": "GET, HEAD, OPTIONS"}


def _anonymous_json_get(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.method == "GET"
        and not meta.get("QUERY_STRING")
        and not meta.get("HTTP_AUTHORIZATION")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and meta.get("HTTP_ACCEPT", "").strip() in JSON_ACCEPTS
    )


def user_public_profile_view(api_view: Callable[..., Any]) -> Callable[..., Any]:
    """The profile view: the fast path in front of ``api_view``, the DRF retrieve view."""

    @csrf_exempt
    def view(request: HttpRequest, pk: str) -> Any:
        if _anonymous_json_get(request):
            try:
                body = selectors.user_public_profile_json(user_id=int(pk))
            except ApplicationError as error:  # the cache's 503 when the database is saturated
                return application_error_response(error)
            if body is not None:
                return HttpResponse(body, content_type="application/json", headers=PROFILE_HEADERS)
        return api_view(request, pk=pk)

    # drf-spectacular documents views by their class; this one is the API view's twin.
    view.cls = api_view.cls  # type: ignore[attr-defined]
    view.initkwargs = api_view.initkwargs  # type: ignore[attr-defined]
    view.actions = api_view.actions  # type: ignore[attr-defined]
    return view
