"""Where a feed's candidates come from, as ``(article id, publish_seq)`` newest first.

The feed reads the live store's rows in bulk by author (tolerated for a higher layer's scans;
the ``(author, status, taken_down_at, publish_seq)``-shaped filters are the articles app's own)
and each followed tag's newest through the articles app's tag list. Visibility is checked again
on the page's rows (``article_public_rows``), so a candidate that went private is dropped.
"""

from __future__ import annotations

from apps.articles.lists import LIVE_LIST_FIELDS
from apps.articles.models import LiveStatus, PublishedArticle
from apps.articles.selectors import article_public_list


def authors_newest(
    *, author_ids: list[int], before: int | None, limit: int
) -> list[tuple[int, int]]:
    """The newest public articles of ``author_ids`` below ``before``: one query."""
    if not author_ids:
        return []
    rows = PublishedArticle.objects.filter(
        author_id__in=author_ids, status=LiveStatus.PUBLISHED, taken_down_at__isnull=True
    )
    if before is not None:
        rows = rows.filter(publish_seq__lt=before)
    pairs = rows.order_by("-publish_seq").values_list("id", "publish_seq")[:limit]
    return [(int(article_id), int(seq)) for article_id, seq in pairs]


def tag_newest(*, name: str, before: int | None, limit: int) -> list[tuple[int, int]]:
    """The newest articles tagged ``name`` below ``before``, from the tag list's index."""
    query = article_public_list(tag=name).candidates_queryset(before=before, limit=limit)
    return [(int(article_id), int(seq)) for article_id, seq in query]


def public_rows_by_id(article_ids: list[int]) -> dict[int, PublishedArticle]:
    """The public ones of ``article_ids``, by primary key alone, visibility checked here.

    A primary-key lookup with the visibility columns in the WHERE clause lets a planner
    (SQLite's, at least) walk the (status, taken_down_at, publish_seq) index instead: 0.1 s
    instead of 0.1 ms at 100,000 articles.
    """
    if not article_ids:
        return {}
    rows = PublishedArticle.objects.filter(pk__in=article_ids).only(*LIVE_LIST_FIELDS)
    return {
        row.pk: row
        for row in rows.order_by()
        if row.status == LiveStatus.PUBLISHED and row.taken_down_at is None
    }
