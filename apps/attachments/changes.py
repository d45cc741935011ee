"""Caches of higher apps that show an article's attachments, dropped by every attachment write.

A higher app that caches what it renders of an article's attachments (the web's anonymous
article page lists them) registers, in its ``AppConfig.ready()``, a function naming the cache
keys a change to one article's attachments makes stale. Every upload and delete drops them once
it commits, so a new PDF shows on those pages as it shows in the API's list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scholarnet.cache import invalidate_many_on_commit

_change_keys: list[Callable[[int], Iterable[str]]] = []


def attachment_change_keys_register(keys: Callable[[int], Iterable[str]]) -> None:
    if keys not in _change_keys:
        _change_keys.append(keys)


def attachment_change_invalidate_on_commit(*, article_id: int) -> None:
    """Drop the registered caches of ``article_id``'s attachments once the transaction commits."""
    keys = [key for keys in _change_keys for key in keys(article_id)]
    if keys:
        invalidate_many_on_commit(keys)
