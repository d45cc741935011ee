"""Editors of an article: users its author invites to post meta reviews.

Writes are the author's alone, on a public article (the only kind that has a review thread);
inviting twice or removing someone who is not an editor changes nothing (the unique
``(article_id, user)`` makes the invitation idempotent).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from apps.articles.errors import ArticleNotFound
from apps.articles.public import article_public_authors
from apps.comments.errors import EditorChangeDenied, EditorInvalid
from apps.comments.models import ArticleEditor


def _authored(*, user: Any, article_id: int) -> int:
    author_id = article_public_authors(article_ids=[article_id]).get(article_id)
    if author_id is None:
        raise ArticleNotFound()
    if author_id != user.pk:
        raise EditorChangeDenied()
    return author_id


def article_editor_add(*, user: Any, article_id: int, editor_id: int) -> ArticleEditor:
    author_id = _authored(user=user, article_id=article_id)
    exists = get_user_model().objects.filter(pk=editor_id, is_active=True).exists()
    if editor_id == author_id or not exists:
        raise EditorInvalid()
    editor, _ = ArticleEditor.objects.get_or_create(article_id=article_id, user_id=editor_id)
    return editor


def article_editor_remove(*, user: Any, article_id: int, editor_id: int) -> bool:
    """Whether an editor was removed."""
    _authored(user=user, article_id=article_id)
    deleted, _ = ArticleEditor.objects.filter(article_id=article_id, user_id=editor_id).delete()
    return bool(deleted)


def article_editor_list(*, user: Any, article_id: int) -> list[ArticleEditor]:
    _authored(user=user, article_id=article_id)
    return list(ArticleEditor.objects.filter(article_id=article_id).order_by("id"))
