"""Anonymous fast paths: a plain Django view in front of a DRF view for the hottest public reads.

Most public reads (an article, a profile, the first page of the list) come from readers who are
not signed in, and for a cached answer the DRF view spends more time in its own dispatch
(authentication, content negotiation, permission checks, ``Response`` rendering) than in the read
itself. :func:`anonymous_fast_path` wraps the DRF view with a view that answers exactly one case
directly: an anonymous ``GET`` without a query string asking for JSON. Its ``answer`` returns the
body, byte for byte what the DRF view would render (each app's tests hold the two together), or
``None`` to hand the request to the DRF view, which stays the definition of the endpoint (schema,
errors, 404s).

Everything else goes to the DRF view: credentials of any kind (they may belong to the author of
a private article, or be invalid and owed a 401), another method, another media type, a query
string. An :class:`~scholarnet.api.errors.ApplicationError` raised by ``answer`` (the cache's 503
when the database fallback is saturated) is answered here in the same envelope, without trying
the read a second time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from scholarnet.api.errors import ApplicationError
from scholarnet.api.views import application_error_response

JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})

# The body for the request, or None when the DRF view should answer it.
Answer = Callable[..., bytes | None]


def anonymous_json_get(request: HttpRequest) -> bool:
    """Whether the request is an anonymous plain JSON GET: the only one a fast path answers."""
    meta = request.META
    return (
        request.method == "GET"
        and not meta.get("QUERY_STRING")
        and not meta.get("HTTP_AUTHORIZATION")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and meta.get("HTTP_ACCEPT", "").strip() in JSON_ACCEPTS
    )


def anonymous_fast_path(
    api_view: Callable[..., Any],
    answer: Answer,
    *,
    headers: Mapping[str, str],
    enabled: Callable[[], bool] | None = None,
) -> Callable[..., Any]:
    """``api_view`` with ``answer(request, *args, **kwargs)`` in front for anonymous JSON GETs.

    ``headers`` are the ones the DRF view adds to the same response (``Vary``, ``Allow``);
    ``enabled`` is asked per request (a settings switch), the fast path being off when it is false.
    """
    response_headers = dict(headers)

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if (enabled is None or enabled()) and anonymous_json_get(request):
            try:
                body = answer(request, *args, **kwargs)
            except ApplicationError as error:
                return application_error_response(error)
            if body is not None:
                return HttpResponse(body, content_type="application/json", headers=response_headers)
        return api_view(request, *args, **kwargs)

    # drf-spectacular documents views by their class; this one is the API view's twin.
    view.cls = api_view.cls  # type: ignore[attr-defined]
    view.initkwargs = api_view.initkwargs  # type: ignore[attr-defined]
    if hasattr(api_view, "actions"):  # a viewset's; a plain APIView has none
        view.actions = api_view.actions  # type: ignore[attr-defined]
    return view
