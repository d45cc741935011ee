"""The anonymous fast path of ``GET /api/v1/articles/{id}``, the hottest read on the site.

For a public article read anonymously as JSON, :func:`scholarnet.api.fast_path.anonymous_fast_path`
answers in front of the DRF view with exactly what it would serve (the same cached read, counts
and viewer flags included, and the same bytes and headers; a test holds the two together). Every
id the selector does not find public goes to the DRF view, so 404s are answered by the one
exception handler; credentials, another method or media type and a query string go there too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from apps.articles import selectors
from apps.articles.reads import article_read_emit
from scholarnet.api.fast_path import anonymous_fast_path

# What the DRF view adds to every response: it answers per Accept, and lists its methods.
DETAIL_HEADERS = {"Vary": "Accept", "Allow": "GET, HEAD, OPTIONS"}


def _public_article_json(request: HttpRequest, pk: str) -> bytes | None:
    body = selectors.article_public_json(article_id=int(pk))
    if body is not None:
        # An anonymous reader cannot be told to be the author: no author id needed.
        article_read_emit(request=request, article_id=int(pk), author_id=None)
    return body


def article_detail(api_view: Callable[..., Any]) -> Callable[..., Any]:
    """The detail view: the fast path in front of ``api_view``, the DRF retrieve view."""
    return anonymous_fast_path(api_view, _public_article_json, headers=DETAIL_HEADERS)
