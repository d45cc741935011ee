"""Events the comments app publishes (through the outbox, in the comment's transaction)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class CommentCreated(EventPayload):
    TYPE: ClassVar[str] = "comment.created"
    comment_id: int
    article_id: int
    article_author_id: int
    author_id: int
    root_id: int | None
    parent_id: int | None
    parent_author_id: int | None  # whom a reply notifies
    preview: str  # the comment's plain text, cut short
    comment_count: int  # the article's count once this comment committed
    occurred_at: datetime
    # Typed review threads (optional, so the version stays): comment, question, review, ...
    kind: str = "comment"
    rating: int | None = None  # reviews only

    def key(self) -> str:
        return f"article:{self.article_id}"


@dataclass(frozen=True, kw_only=True)
class CommentDeleted(EventPayload):
    TYPE: ClassVar[str] = "comment.deleted"
    comment_id: int
    article_id: int
    deleted_ids: list[int] = field(default_factory=list)  # the comment and its subtree
    deleted_by_id: int
    comment_count: int
    occurred_at: datetime

    def key(self) -> str:
        return f"article:{self.article_id}"
