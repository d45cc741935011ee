"""What the search app indexes about articles (its consumer calls these; keep the contract).

A document exists only for a publicly visible article: live, status published, not taken down.
Its text is the plain text of the rendered HTML, its tags the live tag snapshot (the tags as
of the last publication), so search shows what readers see.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from apps.articles.models import LiveStatus, PublishedArticle, PublishedArticleTag
from apps.articles.rendering import plain_text
from apps.articles.search_extras import search_documents_extend

_DOCUMENT_FIELDS = (
    "id",
    "title",
    "abstract",
    "content_html",
    "published_at",
    "author__id",
    "author__nickname",
)


def _public() -> QuerySet[PublishedArticle]:
    return PublishedArticle.objects.filter(status=LiveStatus.PUBLISHED, taken_down_at__isnull=True)


def _documents(articles: list[PublishedArticle]) -> list[dict[str, Any]]:
    tags: dict[int, list[str]] = {article.pk: [] for article in articles}
    rows = (
        PublishedArticleTag.objects.filter(article_id__in=list(tags))
        .order_by("name_key")
        .values_list("article_id", "name")
    )
    for article_id, name in rows:
        tags[article_id].append(name)
    documents = [
        {
            "id": article.pk,
            "title": article.title,
            "abstract": article.abstract,
            "text": plain_text(article.content_html),
            "tags": tags[article.pk],
            "author_id": article.author.pk,
            "author_nickname": article.author.nickname,
            "published_at": article.published_at,
        }
        for article in articles
    ]
    return search_documents_extend(documents)  # text other apps add (attachments' PDFs)


def article_search_document(*, article_id: int) -> dict[str, Any] | None:
    """The search document of one article, or ``None`` unless it is publicly visible."""
    article = (
        _public().filter(pk=article_id).select_related("author").only(*_DOCUMENT_FIELDS).first()
    )
    return _documents([article])[0] if article is not None else None


def article_search_documents(*, after_id: int = 0, batch_size: int = 500) -> list[dict[str, Any]]:
    """The next ``batch_size`` public articles with ``id > after_id``, in id order (reindexing).

    Two queries per batch whatever its size: the articles with their authors, then their tags;
    and one per registered text extras provider (``search_extras.py``: the attachments' text).
    """
    articles = (
        _public()
        .filter(pk__gt=after_id)
        .select_related("author")
        .only(*_DOCUMENT_FIELDS)
        .order_by("id")[:batch_size]
    )
    return _documents(list(articles))


def article_public_ids(*, article_ids: list[int]) -> set[int]:
    """Which of ``article_ids`` are publicly visible right now (one query)."""
    if not article_ids:
        return set()
    # Look the ids up by primary key and judge visibility here: filtering on status in SQL lets
    # a planner (SQLite's does) walk the status index over every public row instead.
    rows = PublishedArticle.objects.filter(pk__in=article_ids).only("id", "status", "taken_down_at")
    return {article.pk for article in rows if article.is_public}
