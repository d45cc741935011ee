"""Reads of moderation: what a report points at, a target's state for the audit, trust levels.

Targets belong to other apps; this app reads them by primary key through their public reads
(``apps.articles.public``) or, for a comment and a user, one indexed row, never writing them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from apps.articles.models import PublishedArticle
from apps.articles.public import article_public_authors, article_public_rows
from apps.comments.models import Comment
from apps.moderation.errors import ReportTargetNotFound
from apps.moderation.models import Suspension, TargetType, TrustLevel
from apps.users.models import User

TITLE_LENGTH = 120


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    target_type: str
    target_id: int
    author_id: int
    title: str = ""
    article_id: int | None = None


def _article(target_id: int) -> ResolvedTarget | None:
    rows = article_public_rows(article_ids=[target_id])
    if not rows:
        return None
    return ResolvedTarget(
        TargetType.ARTICLE, target_id, rows[0].author_id, rows[0].title[:TITLE_LENGTH], target_id
    )


def _comment(target_id: int) -> ResolvedTarget | None:
    comment = (
        Comment.objects.filter(pk=target_id).only("author_id", "article_id", "content").first()
    )
    if comment is None or not article_public_authors(article_ids=[comment.article_id]):
        return None
    return ResolvedTarget(
        TargetType.COMMENT,
        target_id,
        comment.author_id,
        comment.content[:TITLE_LENGTH],
        comment.article_id,
    )


def _user(target_id: int) -> ResolvedTarget | None:
    user = User.objects.filter(pk=target_id, is_active=True).only("nickname").first()
    if user is None:
        return None
    return ResolvedTarget(TargetType.USER, target_id, target_id, user.nickname[:TITLE_LENGTH])


_RESOLVERS = {TargetType.ARTICLE: _article, TargetType.COMMENT: _comment, TargetType.USER: _user}


def report_target_resolve(*, target_type: str, target_id: int) -> ResolvedTarget:
    """The target as a reader sees it; ``ReportTargetNotFound`` unless it is public now."""
    found = _RESOLVERS[TargetType(target_type)](target_id)
    if found is None:
        raise ReportTargetNotFound()
    return found


def article_author_and_title(*, article_id: int) -> tuple[int, str] | None:
    """The live article's author id and title, whatever its state (a take-down's notice)."""
    row = PublishedArticle.objects.filter(pk=article_id).values_list("author_id", "title").first()
    return None if row is None else (int(row[0]), row[1])


def target_state(*, target_type: str, target_id: int) -> dict[str, Any]:
    """The target's moderation-relevant state, for an audit entry's before and after."""
    if target_type == TargetType.ARTICLE:
        live = PublishedArticle.objects.filter(pk=target_id).first()
        if live is None:
            return {"exists": False}
        return {
            "exists": True,
            "title": live.title,
            "status": live.status,
            "taken_down": live.taken_down_at is not None,
            "take_down_reason": live.take_down_reason,
        }
    if target_type == TargetType.COMMENT:
        comment = Comment.objects.filter(pk=target_id).first()
        if comment is None:
            return {"exists": False}
        return {
            "exists": True,
            "article_id": comment.article_id,
            "author_id": comment.author_id,
            "content": comment.content,
        }
    return user_state(user_id=target_id)


def user_state(*, user_id: int) -> dict[str, Any]:
    user = User.objects.filter(pk=user_id).only("is_active").first()
    if user is None:
        return {"exists": False}
    open_suspension = suspension_current(user_id=user_id)
    return {
        "exists": True,
        "is_active": user.is_active,
        "suspended": open_suspension is not None,
        "banned": open_suspension is not None and open_suspension.ends_at is None,
        "suspended_until": (
            open_suspension.ends_at.isoformat()
            if open_suspension is not None and open_suspension.ends_at
            else None
        ),
    }


def suspension_current(*, user_id: int) -> Suspension | None:
    """The user's suspension in force (not lifted), the latest if several."""
    return (
        Suspension.objects.filter(user_id=user_id, lifted_at__isnull=True).order_by("-id").first()
    )


def trust_level_of(*, user: Any) -> int:
    """The user's trust level: staff count as the top level; no computed row yet is level 0."""
    if getattr(user, "is_staff", False):
        return TRUST_LEVEL_MAX
    level = TrustLevel.objects.filter(pk=user.pk).values_list("level", flat=True).first()
    return int(level or 0)


def trust_level_of_id(user_id: int) -> int:
    row = User.objects.filter(pk=user_id).only("is_staff").first()
    return 0 if row is None else trust_level_of(user=row)


TRUST_LEVEL_MAX = 2


def trust_thresholds() -> dict[int, dict[str, int]]:
    return {1: settings.MODERATION_TRUST_LEVEL_1, 2: settings.MODERATION_TRUST_LEVEL_2}
