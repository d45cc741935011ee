"""Who may post which kind of comment, checked in the comment's service before any write.

- ``comment`` and ``question``: anyone signed in, as roots or replies;
- ``review``: anyone but the article's author, a root, with a rating 1..10 and a confidence 1..5;
- ``rebuttal``: only the article's author, only as a reply to a review;
- ``meta_review``: moderators (staff, or the ``moderation.moderate`` permission that the
  Moderators group grants) and the editors the author invited, a root.

Rating and confidence belong to reviews alone; any other kind carrying them is refused, so a
client never believes a score was recorded when it was not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.comments.errors import (
    MetaReviewDenied,
    RebuttalDenied,
    RebuttalParentNotReview,
    ReviewFieldsInvalid,
    ReviewNotRoot,
    ReviewOwnArticle,
)
from apps.comments.models import ArticleEditor, CommentKind

ROOT_ONLY = {CommentKind.REVIEW, CommentKind.META_REVIEW}


@dataclass(frozen=True, slots=True)
class KindRequest:
    article_id: int
    kind: str
    rating: int | None
    confidence: int | None
    has_parent: bool


def user_moderates(user: Any) -> bool:
    """Staff or holders of ``moderation.moderate`` (the Moderators group), by name: the
    moderation app sits above comments and is not imported."""
    return bool(user.is_active and (user.is_staff or user.has_perm("moderation.moderate")))


def user_edits(*, user: Any, article_id: int) -> bool:
    return ArticleEditor.objects.filter(article_id=article_id, user_id=user.pk).exists()


def comment_kind_check(*, user: Any, article_author_id: int, request: KindRequest) -> None:
    """Refuse what ``user`` may not post (before the transaction; the parent's kind is checked
    under its lock by :func:`rebuttal_parent_check`)."""
    is_review = request.kind == CommentKind.REVIEW
    scored = request.rating is not None or request.confidence is not None
    if is_review != scored or (is_review and None in (request.rating, request.confidence)):
        raise ReviewFieldsInvalid()
    if request.kind in ROOT_ONLY and request.has_parent:
        raise ReviewNotRoot()
    if is_review and user.pk == article_author_id:
        raise ReviewOwnArticle()
    if request.kind == CommentKind.REBUTTAL:
        if user.pk != article_author_id:
            raise RebuttalDenied()
        if not request.has_parent:
            raise RebuttalParentNotReview()
    if request.kind == CommentKind.META_REVIEW and not (
        user_moderates(user) or user_edits(user=user, article_id=request.article_id)
    ):
        raise MetaReviewDenied()


def rebuttal_parent_check(*, kind: str, parent_kind: str | None) -> None:
    if kind == CommentKind.REBUTTAL and parent_kind != CommentKind.REVIEW:
        raise RebuttalParentNotReview()
