"""Plan-stable keyset queries of the public article lists (newest first on ``publish_seq``).

A list page used to be one query joining the live articles to their authors (and, for a tag, the
tag index to the articles). Which table such a join starts from is the optimizer's guess from
table statistics, and statistics go stale after every bulk load, import, restore or backfill:
with 100k fresh rows MariaDB planned the first page as a scan of ``users_user`` and a filesort
of the join (8.5 s) instead of a walk down the ``(status, taken_down_at, publish_seq)`` index
(12 ms once ``ANALYZE TABLE`` had run). So every page is read in steps that each touch one table
through one index, and none leaves the optimizer a join order to guess:

1. the candidates' ``(id, publish_seq)`` from one index alone, newest first (for the plain and
   author lists a covering index, so no row is read; for a tag the ``(name_key, publish_seq)``
   range of the tag index);
2. the candidates' rows by primary key, re-checked for visibility (a tag's entries outlive a
   withdraw or take-down, so for tags this is where hidden articles drop out);
3. then the caller fetches authors and tags by id (``article_list_items``).

Steps 1 and 2 repeat, with growing batches, only while hidden articles leave the page short,
which happens only for tags; a page costs the same queries whatever its size.
``tests/articles/test_query_plans.py`` holds every list to its plan with ``EXPLAIN`` on MariaDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from apps.articles.models import LiveStatus, PublishedArticle, PublishedArticleTag

# Columns of a list row: everything but the (up to 1 MiB) content and its HTML.
LIVE_LIST_FIELDS = (
    "id",
    "author_id",
    "title",
    "abstract",
    "status",
    "publish_seq",
    "published_at",
    "updated_at",
    "taken_down_at",
)
# A tag's later batches grow by this factor, up to the cap, while hidden articles fill them.
# The cap keeps step 2's IN list under MariaDB's in_predicate_conversion_threshold (1000),
# above which the list becomes a derived table with a plan of its own.
_BATCH_GROWTH = 4
_BATCH_CAP = 900


@dataclass(frozen=True, slots=True)
class LiveListQuery:
    """One public list (optionally one author's, optionally one tag's), read page by page.

    ``tag_key`` is the tags app's comparison key of the tag; ``""`` matches nothing.
    """

    author_id: int | None = None
    tag_key: str | None = None

    def keyset_page(self, *, before: int | None, size: int) -> tuple[list[PublishedArticle], bool]:
        """Up to ``size`` public rows with ``publish_seq < before``, newest first, and whether
        more follow."""
        found: list[PublishedArticle] = []
        batch = size + 1
        while True:
            candidates = self._candidates(before=before, limit=batch)
            found += self._visible_rows([article_id for article_id, _ in candidates])
            if len(found) > size or len(candidates) < batch:
                return found[:size], len(found) > size
            before = candidates[-1][1]
            batch = max(size + 1, min(batch * _BATCH_GROWTH, _BATCH_CAP))

    def candidates_queryset(self, *, before: int | None, limit: int) -> QuerySet[Any, Any]:
        """Step 1's query: ``(article id, publish_seq)`` pairs from one index, newest first."""
        if self.tag_key is not None:
            entries = PublishedArticleTag.objects.filter(name_key=self.tag_key)
            if before is not None:
                entries = entries.filter(publish_seq__lt=before)
            return entries.order_by("-publish_seq").values_list("article_id", "publish_seq")[:limit]
        return self._public(PublishedArticle.objects.all(), before=before).values_list(
            "id", "publish_seq"
        )[:limit]

    def rows_queryset(self, article_ids: list[int]) -> QuerySet[PublishedArticle]:
        """Step 2's query: the candidates' list columns by primary key, if still public."""
        rows = PublishedArticle.objects.filter(pk__in=article_ids)
        return self._public(rows, before=None).only(*LIVE_LIST_FIELDS)

    def _candidates(self, *, before: int | None, limit: int) -> list[tuple[int, int]]:
        return list(self.candidates_queryset(before=before, limit=limit))

    def _visible_rows(self, article_ids: list[int]) -> list[PublishedArticle]:
        if not article_ids:
            return []
        return list(self.rows_queryset(article_ids))

    def _public(
        self, rows: QuerySet[PublishedArticle], *, before: int | None
    ) -> QuerySet[PublishedArticle]:
        rows = rows.filter(status=LiveStatus.PUBLISHED, taken_down_at__isnull=True)
        if self.author_id is not None:
            rows = rows.filter(author_id=self.author_id)
        if before is not None:
            rows = rows.filter(publish_seq__lt=before)
        return rows.order_by("-publish_seq")
