"""Events the follows app publishes, for the feed and notifications.

``follow.changed`` carries the state after the change (never a delta), published through the
outbox in the transaction of the change and only when something changed: following twice
publishes once. A consumer may receive one twice or late; ``occurred_at`` orders them per
(follower, followee). Tag follows publish nothing: nobody is notified of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class FollowChanged(EventPayload):
    TYPE: ClassVar[str] = "follow.changed"
    follower_id: int  # who follows (the actor)
    followee_id: int  # who is followed (whom to notify)
    following: bool  # the state once this change committed
    follower_count: int  # the followee's followers once this change committed
    occurred_at: datetime

    def key(self) -> str:
        return f"user:{self.followee_id}"
