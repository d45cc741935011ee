"""The public list's first page (``GET /api/v1/articles``), cached as JSON bytes.

Everyone reads the same first page, so it is cached once (two-level: process-local, then Redis;
invalidated through Redis pub/sub by every change to the live store once it commits) in the form
the response is made of: per item, the JSON of its own fields without the closing brace. A
request appends each item's counts and flags (anonymous: all false) and closes it, so serving
the page copies bytes instead of encoding twenty dicts. The counts come from a process-local
tier that keeps the page's counts for ``ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL`` seconds: the
hottest page then costs no query at all, and a count on it is at most that old.

Both the DRF view (through :func:`article_public_first_page_get`) and the anonymous fast path
(:func:`article_public_first_page_json`, :mod:`apps.articles.list_views`) read the same cached
page and the same counts, so they answer the same bytes (a test holds them together).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson
from django.conf import settings

from apps.articles import selectors
from apps.articles.pagination import public_first_page_cursor
from scholarnet.api.renderers import dumps as json_dumps
from scholarnet.cache import two_level_cache

ANONYMOUS_FLAGS = selectors.ViewerFlags()


def _page_load(page_size: int) -> dict[str, Any]:
    rows, more = selectors.article_public_list().keyset_page(before=None, size=page_size)
    items = selectors.article_list_items(rows, user=None, decorate=False)
    return {
        "ids": [item["id"] for item in items],
        "items": [json_dumps(item)[:-1] for item in items],  # open: counts are appended
        "next": public_first_page_cursor(rows[-1].publish_seq) if more else None,
    }


def _page(page_size: int) -> dict[str, Any]:
    if not settings.ARTICLE_PUBLIC_FIRST_PAGE_CACHE_ENABLED:
        return _page_load(page_size)
    return two_level_cache.get_or_load(
        selectors.public_first_page_cache_key(),
        lambda: _page_load(page_size),
        ttl=settings.ARTICLE_PUBLIC_FIRST_PAGE_TTL,
    )


class AnonymousCountsTier:
    """The anonymous fields appended to the first page's items, kept for a few seconds.

    One entry (the page everyone reads; the hot list keeps a tier of its own), replaced whole;
    threads that miss at the same moment may each read the counts once, which is cheaper than
    making them wait for each other.
    """

    def __init__(self) -> None:
        self._entry: tuple[float, tuple[int, ...], list[bytes]] | None = None
        self._lock = threading.Lock()

    def fragments(self, ids: list[int]) -> list[bytes]:
        key, now, entry = tuple(ids), time.monotonic(), self._entry
        if entry is not None and entry[0] > now and entry[1] == key:
            return entry[2]
        counts = selectors.article_counts(article_ids=ids)
        fragments = [
            json_dumps(selectors._engagement_fields(counts[i], ANONYMOUS_FLAGS))[1:-1] for i in ids
        ]
        with self._lock:
            self._entry = (now + settings.ARTICLE_PUBLIC_FIRST_PAGE_COUNTS_TTL, key, fragments)
        return fragments

    def clear(self) -> None:
        with self._lock:
            self._entry = None


anonymous_counts = AnonymousCountsTier()


def article_public_first_page_json(*, page_size: int) -> bytes:
    """The anonymous first page, byte for byte what the DRF view renders for it."""
    page = _page(page_size)
    fragments = anonymous_counts.fragments(page["ids"])
    items = b",".join(
        item + b"," + fragment + b"}"
        for item, fragment in zip(page["items"], fragments, strict=True)
    )
    return b'{"results":[' + items + b'],"next":' + json_dumps(page["next"]) + b"}"


def article_public_first_page_get(*, page_size: int, user: Any) -> dict[str, Any]:
    """``{"results", "next"}`` of the first page as the DRF view renders it, for any viewer.

    A signed-in viewer gets fresh counts and their own flags; an anonymous one the page
    :func:`article_public_first_page_json` serves.
    """
    page = _page(page_size)
    if user is None or not user.is_authenticated:
        return orjson.loads(article_public_first_page_json(page_size=page_size))  # type: ignore[no-any-return]
    items = [orjson.loads(item + b"}") for item in page["items"]]
    return {"results": selectors.article_items_decorate(items, user=user), "next": page["next"]}
