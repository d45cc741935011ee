"""The anonymous fast path of ``GET /api/v1/articles/{id}``, the hottest read on the site.

Most article reads come from readers who are not signed in. For them the DRF view spends more time
in its own dispatch (authentication, content negotiation, permission checks, ``Response``
rendering) than in the cached read itself, so this plain Django view answers that one case
directly: a public article, read anonymously, asking for JSON. It serves exactly what the DRF view
would (the same cached read, counts and viewer flags included, and the same bytes and headers; a
test holds the two together).

Everything else goes to the DRF view, which stays the definition of the endpoint (schema, errors):
credentials of any kind (they may belong to the author of a private article, or be invalid and
owed a 401), another method, another media type, a query string, and every id the selector does
not find public, so 404s are answered by the one exception handler. An error raised by the cached
read itself (503 when the database fallback is saturated) is answered here in the same envelope,
without trying the read a second time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.articles import selectors
from apps.articles.reads import article_read_emit
from scholarnet.api.errors import ApplicationError
from scholarnet.api.views import application_error_response

JSON_ACCEPTS = frozenset({"", "*/*", "application/json"})
# What the DRF view adds to every response: it answers per Accept, and lists its methods.
DETAIL_HEADERS = {"Vary": "Accept", "Allow": "GET, HEAD, OPTIONS"}


def _anonymous_json_get(request: HttpRequest) -> bool:
    meta = request.META
    return (
        request.method == "GET"
        and not meta.get("QUERY_STRING")
        and not meta.get("HTTP_AUTHORIZATION")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and meta.get("HTTP_ACCEPT", "").strip() in JSON_ACCEPTS
    )


def article_detail(api_view: Callable[..., Any]) -> Callable[..., Any]:
    """The detail view: the fast path in front of ``api_view``, the DRF retrieve view."""

    @csrf_exempt
    def view(request: HttpRequest, pk: str) -> Any:
        if _anonymous_json_get(request):
            try:
                body = selectors.article_public_json(article_id=int(pk))
            except ApplicationError as error:  # the cache's 503 when the database is saturated
                return application_error_response(error)
            if body is not None:
                # An anonymous reader cannot be told to be the author: no author id needed.
                article_read_emit(request=request, article_id=int(pk), author_id=None)
                return HttpResponse(body, content_type="application/json", headers=DETAIL_HEADERS)
        return api_view(request, pk=pk)

    # drf-spectacular documents views by their class; this one is the API view's twin.
    view.cls = api_view.cls  # type: ignore[attr-defined]
    view.initkwargs = api_view.initkwargs  # type: ignore[attr-defined]
    view.actions = api_view.actions  # type: ignore[attr-defined]
    return view
