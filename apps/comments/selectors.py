"""Reads of comments: a page of roots with their newest replies, and a thread's replies.

A page of roots costs two queries whatever its size: the roots (a keyset range on
``(article_id, root, -id)``) and, in one query for the whole page, each root's
``COMMENTS_REPLIES_PREVIEW`` newest replies (a window function over the ``(root, id)`` index).

The degrade switch skips the second query: set ``COMMENTS_DEGRADED`` (the setting), or it turns
itself on for ``COMMENTS_DEGRADE_SECONDS`` when a roots query took longer than
``COMMENTS_SLOW_QUERY_SECONDS`` (the database is struggling; replies are the part readers miss
least). The response says so with ``replies_included: false``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from apps.articles.errors import ArticleNotFound
from apps.articles.public import article_public_authors
from apps.comments.errors import CommentNotFound
from apps.comments.models import Comment, CommentKind

_FIELDS = (
    "id",
    "article_id",
    "root_id",
    "parent_id",
    "content_html",
    "reply_count",
    "kind",
    "rating",
    "confidence",
    "created_at",
)


class _SlowDatabase:
    """Process-local memory of a slow roots query: replies are skipped until it expires."""

    def __init__(self) -> None:
        self._until = 0.0
        self._lock = threading.Lock()

    def degraded(self) -> bool:
        return bool(settings.COMMENTS_DEGRADED) or time.monotonic() < self._until

    def observe(self, seconds: float) -> None:
        if seconds > float(settings.COMMENTS_SLOW_QUERY_SECONDS):
            with self._lock:
                self._until = time.monotonic() + float(settings.COMMENTS_DEGRADE_SECONDS)

    def reset(self) -> None:
        self._until = 0.0


slow_database = _SlowDatabase()


def _rows(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    # No join on the users: with one to the users table the optimiser may drive the query from
    # it (through the author index) and sort a whole user's comments; authors come in bulk.
    return queryset.only(*_FIELDS, "author_id")


def article_comments_visible(*, article_id: int) -> None:
    """Comments are shown (and written) only on public articles: anything else is 404."""
    if not article_public_authors(article_ids=[article_id]):
        raise ArticleNotFound()


def comment_root_list(*, article_id: int) -> QuerySet[Comment]:
    """The article's root comments; the paginator orders them newest first (``-id``)."""
    return _rows(Comment.objects.filter(article_id=article_id, root__isnull=True))


def comment_reply_list(*, comment_id: int) -> QuerySet[Comment]:
    """A root comment's replies (oldest first), on a public article; else ``CommentNotFound``."""
    root = Comment.objects.filter(pk=comment_id, root__isnull=True).only("article_id").first()
    if root is None or not article_public_authors(article_ids=[root.article_id]):
        raise CommentNotFound()
    return _rows(Comment.objects.filter(root_id=comment_id))


def comment_replies_preview(*, root_ids: list[int]) -> dict[int, list[Comment]]:
    """Each root's newest replies (newest first), one query for all of ``root_ids``."""
    if not root_ids:
        return {}
    ranked = Comment.objects.filter(root_id__in=root_ids).annotate(
        rank=Window(RowNumber(), partition_by=[F("root_id")], order_by=F("id").desc())
    )
    replies: dict[int, list[Comment]] = defaultdict(list)
    limit = int(settings.COMMENTS_REPLIES_PREVIEW)
    for reply in _rows(ranked.filter(rank__lte=limit)).order_by("root_id", "-id"):
        replies[reply.root_id].append(reply)  # type: ignore[index]
    return replies


def comment_authors(comments: list[Comment]) -> dict[int, dict[str, Any]]:
    """The authors of ``comments`` (id and nickname), one query."""
    ids = {comment.author_id for comment in comments}
    rows = get_user_model().objects.filter(pk__in=ids).values_list("id", "nickname")
    return {user_id: {"id": user_id, "nickname": nickname} for user_id, nickname in rows}


def comments_represent(comments: list[Comment]) -> list[dict[str, Any]]:
    authors = comment_authors(comments)
    return [
        comment_represent(comment, author=authors.get(comment.author_id)) for comment in comments
    ]


def comment_represent(comment: Comment, *, author: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "article_id": comment.article_id,
        "root_id": comment.root_id,
        "parent_id": comment.parent_id,
        "author": author or {"id": comment.author_id, "nickname": ""},
        "content_html": comment.content_html,
        "reply_count": comment.reply_count,
        "kind": comment.kind,
        "rating": comment.rating,
        "confidence": comment.confidence,
        "created_at": comment.created_at,
    }


def comment_page_represent(roots: list[Comment], *, with_replies: bool) -> list[dict[str, Any]]:
    """Roots with their newest replies; the replies, and then all authors, one query each."""
    replies = comment_replies_preview(root_ids=[r.pk for r in roots]) if with_replies else {}
    authors = comment_authors([*roots, *(reply for rows in replies.values() for reply in rows)])

    def one(comment: Comment) -> dict[str, Any]:
        return comment_represent(comment, author=authors.get(comment.author_id))

    return [{**one(root), "replies": [one(r) for r in replies.get(root.pk, [])]} for root in roots]


def review_list(*, article_id: int) -> QuerySet[Comment]:
    """The article's reviews; the paginator orders them newest first (``-id``), from the
    ``(article_id, kind, -id)`` index."""
    return _rows(Comment.objects.filter(article_id=article_id, kind=CommentKind.REVIEW))


def review_page_represent(reviews: list[Comment]) -> list[dict[str, Any]]:
    """Reviews with their rebuttals (oldest first): one query for the rebuttals of the whole
    page, one for every author, whatever the page size."""
    rebuttals: dict[int, list[Comment]] = defaultdict(list)
    if reviews:
        rows = Comment.objects.filter(
            parent_id__in=[review.pk for review in reviews], kind=CommentKind.REBUTTAL
        )
        for rebuttal in _rows(rows).order_by("id"):
            rebuttals[rebuttal.parent_id].append(rebuttal)  # type: ignore[index]
    authors = comment_authors([*reviews, *(r for rows in rebuttals.values() for r in rows)])

    def one(comment: Comment) -> dict[str, Any]:
        return comment_represent(comment, author=authors.get(comment.author_id))

    return [
        {**one(review), "rebuttals": [one(r) for r in rebuttals[review.pk]]} for review in reviews
    ]


def article_comment_counts(*, ids: list[int]) -> dict[int, dict[str, int]]:
    """``{article_id: {"comment_count": n, "review_count": r, "review_rating_sum": s}}`` from
    the comments themselves (articles with any).

    The facts ``interactions_recount`` rebuilds those counts from, one grouped query on the
    ``(article_id, root, -id)`` index for a whole batch of articles.
    """
    reviews = Q(kind=CommentKind.REVIEW)
    rows = (
        Comment.objects.filter(article_id__in=ids)
        .values_list("article_id")
        .annotate(
            n=Count("id"),
            review_n=Count("id", filter=reviews),
            rating_total=Sum("rating", filter=reviews),
        )
        .order_by()
    )
    return {
        article_id: {
            "comment_count": n,
            "review_count": review_n,
            "review_rating_sum": int(rating_total or 0),
        }
        for article_id, n, review_n, rating_total in rows
    }


def commented_article_ids(*, after_id: int, limit: int) -> list[int]:
    """The next ``limit`` ids above ``after_id`` of articles with comments, ascending (from the
    ``(article_id, root, -id)`` index)."""
    rows = Comment.objects.filter(article_id__gt=after_id).order_by("article_id")
    return list(rows.values_list("article_id", flat=True).distinct()[:limit])
