"""Two-level cache (process-local → Redis → loader); see :mod:`scholarnet.cache.two_level`.

Usage::

    from scholarnet.cache import invalidate_on_commit, two_level_cache

    article = two_level_cache.get_or_load(
        f"article:{article_id}", lambda: article_load(article_id=article_id), ttl=1800
    )

    # after writing the article, inside the transaction:
    invalidate_on_commit(f"article:{article_id}")
"""

from __future__ import annotations

from collections.abc import Iterable

from scholarnet.cache.two_level import TwoLevelCache

# The process-wide instance every app uses; its fallback semaphore is the per-process guard.
two_level_cache = TwoLevelCache()


def invalidate_on_commit(key: str, *, using: str | None = None) -> None:
    two_level_cache.invalidate_on_commit(key, using=using)


def invalidate_many_on_commit(keys: Iterable[str], *, using: str | None = None) -> None:
    two_level_cache.invalidate_many_on_commit(keys, using=using)


__all__ = [
    "TwoLevelCache",
    "invalidate_many_on_commit",
    "invalidate_on_commit",
    "two_level_cache",
]
