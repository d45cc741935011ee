"""The anonymous fast path of ``GET /api/v1/articles``: the cached first page, as bytes.

The same idea as the detail's (:mod:`apps.articles.views`): for the one request most readers
make, an anonymous plain JSON GET without a query string, the DRF view's own dispatch costs
more than the cached read, so this view answers it with the bytes of
:func:`apps.articles.first_page.article_public_first_page_json`, which are the DRF view's bytes
(a test holds the two together). Everything else, and everything while the page cache is off,
goes to the DRF view, which stays the definition of the endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from apps.articles.first_page import article_public_first_page_json
from apps.articles.pagination import ArticlePublicPagination
from apps.articles.views import _anonymous_json_get
from scholarnet.api.errors import ApplicationError
from scholarnet.api.views import application_error_response

# What the DRF list view adds to every response: it answers per Accept, and lists its methods.
LIST_HEADERS = {"Vary": "Accept", "Allow": "GET, POST, HEAD, OPTIONS"}


def article_list(api_view: Callable[..., Any]) -> Callable[..., Any]:
    """The list view: the first-page fast path in front of ``api_view``, the DRF list view."""

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if settings.ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED and _anonymous_json_get(request):
            try:
                body = article_public_first_page_json(page_size=ArticlePublicPagination.page_size)
            except ApplicationError as error:  # the cache's 503 when the database is saturated
                return application_error_response(error)
            return HttpResponse(body, content_type="application/json", headers=LIST_HEADERS)
        return api_view(request, *args, **kwargs)

    # drf-spectacular documents views by their class; this one is the API view's twin.
    view.cls = api_view.cls  # type: ignore[attr-defined]
    view.initkwargs = api_view.initkwargs  # type: ignore[attr-defined]
    view.actions = api_view.actions  # type: ignore[attr-defined]
    return view
