"""Caches of higher apps that show an article's comments, dropped by every comment write.

A higher app that caches what it renders of an article's thread (the web's anonymous article
page) registers, in its ``AppConfig.ready()``, a function naming the cache keys a change to
one article's comments makes stale. Every comment write (a comment or reply posted, a subtree
deleted by its author, the article's author or a moderator) drops them once it commits, so a
deleted comment leaves those caches as it leaves the API's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from scholarnet.cache import invalidate_many_on_commit

_change_keys: list[Callable[[int], Iterable[str]]] = []


def comment_change_keys_register(keys: Callable[[int], Iterable[str]]) -> None:
    if keys not in _change_keys:
        _change_keys.append(keys)


def comment_change_invalidate_on_commit(*, article_id: int) -> None:
    """Drop the registered caches of ``article_id``'s thread once the transaction commits."""
    keys = [key for keys in _change_keys for key in keys(article_id)]
    if keys:
        invalidate_many_on_commit(keys)
