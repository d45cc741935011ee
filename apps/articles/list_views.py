"""The anonymous fast path of ``GET /api/v1/articles``: the cached first page, as bytes.

The same idea as the detail's (:mod:`apps.articles.views`, built on
:func:`scholarnet.api.fast_path.anonymous_fast_path`): for the one request most readers make, an
anonymous plain JSON GET without a query string, the DRF view's own dispatch costs more than the
cached read, so this view answers it with the bytes of
:func:`apps.articles.first_page.article_public_first_page_json`, which are the DRF view's bytes
(a test holds the two together). Everything else, and everything while the page cache is off,
goes to the DRF view, which stays the definition of the endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apps.articles.first_page import article_public_first_page_json
from apps.articles.pagination import ArticlePublicPagination
from scholarnet.api.fast_path import anonymous_fast_path

# What the DRF list view adds to every response: it answers per Accept, and lists its methods.
LIST_HEADERS = {"Vary": "Accept", "Allow": "GET, POST, HEAD, OPTIONS"}


def _first_page_json(request: HttpRequest, *args: Any, **kwargs: Any) -> bytes:
    return article_public_first_page_json(page_size=ArticlePublicPagination.page_size)


def _first_page_cache_enabled() -> bool:
    return bool(settings.ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED)


def article_list(api_view: Callable[..., Any]) -> Callable[..., Any]:
    """The list view: the first-page fast path in front of ``api_view``, the DRF list view."""
    return anonymous_fast_path(
        api_view, _first_page_json, headers=LIST_HEADERS, enabled=_first_page_cache_enabled
    )
