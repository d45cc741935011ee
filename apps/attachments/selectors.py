"""Reads of attachments, with the article detail's visibility.

An article's attachments are seen by whoever may read the article: everyone for a public one,
its author alone for a private, draft, withdrawn or taken-down one (404 for anyone else, as the
detail answers). The live article's visibility comes from the detail's cache
(``article_readable_author_id``); an article never published is its author's working copy.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from apps.articles.errors import ArticleNotFound
from apps.articles.selectors import article_draft_get, article_readable_author_id
from apps.attachments.errors import AttachmentNotFound
from apps.attachments.models import Attachment

_LIST_FIELDS = ("id", "article_id", "filename", "size", "text_status", "created_at")


def article_attachments_visible(*, article_id: int, user: Any) -> None:
    try:
        article_readable_author_id(article_id=article_id, user=user)
    except ArticleNotFound:
        if user is None or not user.is_authenticated:
            raise
        article_draft_get(article_id=article_id, author=user)  # the author's own draft


def attachment_list(*, article_id: int, user: Any) -> QuerySet[Attachment]:
    article_attachments_visible(article_id=article_id, user=user)
    return Attachment.objects.filter(article_id=article_id).only(*_LIST_FIELDS).order_by("id")


def attachment_get_for_user(*, attachment_id: int, user: Any) -> Attachment:
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise AttachmentNotFound()
    try:
        article_attachments_visible(article_id=attachment.article_id, user=user)
    except ArticleNotFound:
        raise AttachmentNotFound() from None
    return attachment


def attachment_represent(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "article_id": attachment.article_id,
        "filename": attachment.filename,
        "size": attachment.size,
        "text_status": attachment.text_status,
        "download_url": f"/api/v1/attachments/{attachment.pk}",
        "created_at": attachment.created_at,
    }


def article_attachment_texts(*, ids: list[int]) -> dict[int, dict[str, str]]:
    """``{article_id: {"attachment_text": all its attachments' text}}`` (one query), for the
    articles app's search documents."""
    texts: dict[int, list[str]] = {}
    rows = (
        Attachment.objects.filter(article_id__in=ids)
        .exclude(text="")
        .order_by("article_id", "id")
        .values_list("article_id", "text")
    )
    for article_id, text in rows:
        texts.setdefault(article_id, []).append(text)
    limit = int(settings.ATTACHMENTS_ARTICLE_TEXT_MAX_CHARS)
    return {
        article_id: {"attachment_text": "\n".join(parts)[:limit]}
        for article_id, parts in texts.items()
    }
