"""Events the interactions app publishes, for ranking and notifications.

Both carry the state after the change (never a delta), published through the outbox in the
transaction of the change and only when something changed: liking twice publishes once. A
consumer may receive one twice or late; ``occurred_at`` orders them per (user, article).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class LikeChanged(EventPayload):
    TYPE: ClassVar[str] = "like.changed"
    user_id: int
    article_id: int
    author_id: int  # whom to notify
    liked: bool
    like_count: int  # the article's count once this change committed
    occurred_at: datetime

    def key(self) -> str:
        return f"article:{self.article_id}"


@dataclass(frozen=True, kw_only=True)
class CollectChanged(EventPayload):
    TYPE: ClassVar[str] = "collect.changed"
    user_id: int
    article_id: int
    author_id: int | None  # None once the article is no longer public (a folder deleted)
    collected: bool  # in at least one of the user's folders
    collection_ids: list[int] = field(default_factory=list)  # which ones, ascending
    collect_count: int  # users who have the article in a folder, once this change committed
    occurred_at: datetime

    def key(self) -> str:
        return f"article:{self.article_id}"
