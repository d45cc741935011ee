"""Which articles are public, for the apps above articles that act on them.

Likes, collections and (later) comments may only be added to a public article, and lists of
them (a reader's folders) show only the ones public right now. These reads answer that by
primary key, in bulk, without those apps touching the live store's models.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.articles.models import LiveStatus, PublishedArticle
from scholarnet.cache.stale_keys import StaleKeys

LIST_ROW_FIELDS = (
    "id",
    "title",
    "abstract",
    "status",
    "publish_seq",
    "published_at",
    "updated_at",
    "taken_down_at",
    "author__id",
    "author__nickname",
    "author__avatar_url",
)


def _public() -> QuerySet[PublishedArticle]:
    return PublishedArticle.objects.filter(status=LiveStatus.PUBLISHED, taken_down_at__isnull=True)


def article_public_authors(*, article_ids: list[int]) -> dict[int, int]:
    """Article id → author id, for those of ``article_ids`` that are public now (one query)."""
    if not article_ids:
        return {}
    rows = _public().filter(pk__in=article_ids).values_list("id", "author_id")
    return {int(article_id): int(author_id) for article_id, author_id in rows}


def article_public_id_subquery() -> QuerySet[Any, Any]:
    """The ids of every public article, as a subquery for ``article_id__in=``."""
    return _public().values("pk")


def article_public_rows(*, article_ids: list[int]) -> list[PublishedArticle]:
    """The public ones of ``article_ids``, as rows for ``selectors.article_list_items``."""
    if not article_ids:
        return []
    rows = _public().filter(pk__in=article_ids).select_related("author")
    return list(rows.only(*LIST_ROW_FIELDS))


# --- caches of higher apps that show public articles --------------------------------------------

# A higher app that caches what it shows of public articles (the hot list's page) registers, in
# its AppConfig.ready(), ``article_live_changes.register(keys_of_article)``. Every write that
# changes what readers see (publish, withdraw, delete, take down, restore) drops those keys with
# its own once it commits, so the article leaves those caches as it leaves the public list.
article_live_changes = StaleKeys("an article's public state")
