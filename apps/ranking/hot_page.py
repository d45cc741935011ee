"""The hot list's live articles, cached as JSON fragments, and its anonymous fast path.

The ranking names ids; what a reader sees is those still public, in ranked order, each as a
list item. That list is cached once (two-level: process-local, then Redis, ``HOT_PAGE_KEY``) in
the first page's form (:mod:`apps.articles.first_page`): per item, the JSON of its own fields
without the closing brace, so a page is sliced from it and its counts appended as bytes.

It is dropped everywhere (pub/sub) when the ranking is recomputed, and by every change to an
article's public state once it commits: the articles app asks for this key then
(``article_live_changes``), so a withdrawn or taken-down article leaves the hot
list at once without a query per read. An author's new nickname or avatar shows within
``RANKING_CACHE_TTL``, as on the public list's first page.

Anonymous readers get the counts from a process-local tier (at most
``ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL`` seconds old), signed-in readers fresh counts and their
own flags. The anonymous first page, the one most readers ask for, is answered before DRF's
dispatch (:func:`scholarnet.api.fast_path.anonymous_fast_path`) with the bytes the DRF view
renders for it; a test holds the two together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest

from apps.articles.first_page import AnonymousCountsTier
from apps.articles.selectors import article_items_decorate, article_list_items, article_public_list
from scholarnet.api.fast_path import anonymous_fast_path
from scholarnet.api.renderers import dumps as json_dumps
from scholarnet.cache import two_level_cache

HOT_PAGE_KEY = "ranking:hot:live:json"
# What the DRF view adds to every response: it answers per Accept, and lists its methods.
HOT_HEADERS = {"Vary": "Accept", "Allow": "GET, HEAD, OPTIONS"}

anonymous_hot_counts = AnonymousCountsTier()


def _live_load() -> dict[str, Any]:
    from apps.ranking.selectors import hot_list_get

    ranked = [int(article_id) for article_id, _score in hot_list_get()["entries"]]
    rows = {row.pk: row for row in article_public_list().rows_queryset(ranked)} if ranked else {}
    live = [rows[article_id] for article_id in ranked if article_id in rows]
    items = article_list_items(live, user=None, decorate=False)
    return {
        "ids": [item["id"] for item in items],
        "items": [json_dumps(item)[:-1] for item in items],  # open: counts are appended
    }


def hot_live_get() -> dict[str, Any]:
    """``{"ids", "items"}``: the ranked articles public now, best first, as open JSON items."""
    return two_level_cache.get_or_load(HOT_PAGE_KEY, _live_load, ttl=settings.RANKING_CACHE_TTL)


def hot_live_invalidate() -> None:
    two_level_cache.invalidate(HOT_PAGE_KEY)


def hot_live_keys(article_id: int) -> list[str]:
    """The keys a change of ``article_id``'s public state makes stale (any article may enter)."""
    return [HOT_PAGE_KEY]


def hot_page_items(*, offset: int, page_size: int, user: Any) -> tuple[list[dict], bool]:
    """One page's items with counts and flags, and whether more follow."""
    live = hot_live_get()
    end = offset + page_size
    ids, items = live["ids"][offset:end], live["items"][offset:end]
    more = end < len(live["ids"])
    if user is None or not user.is_authenticated:
        fragments = anonymous_hot_counts.fragments(ids)
        pairs = zip(items, fragments, strict=True)
        return [orjson.loads(item + b"," + fragment + b"}") for item, fragment in pairs], more
    decoded = [orjson.loads(item + b"}") for item in items]
    return article_items_decorate(decoded, user=user), more


def _anonymous_first_page(request: HttpRequest, *args: Any, **kwargs: Any) -> bytes:
    from apps.ranking.pagination import hot_next_link

    page_size = settings.RANKING_PAGE_SIZE
    live = hot_live_get()
    ids, items = live["ids"][:page_size], live["items"][:page_size]
    fragments = anonymous_hot_counts.fragments(ids)
    body = b",".join(item + b"," + f + b"}" for item, f in zip(items, fragments, strict=True))
    more = page_size < len(live["ids"])
    next_link = hot_next_link(request, page_size if more else None)  # type: ignore[arg-type]
    return b'{"results":[' + body + b'],"next":' + json_dumps(next_link) + b"}"


def hot_list_view(api_view: Callable[..., Any]) -> Callable[..., Any]:
    """The hot list view: the anonymous first page's fast path in front of the DRF view."""
    return anonymous_fast_path(api_view, _anonymous_first_page, headers=HOT_HEADERS)
