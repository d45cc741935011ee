"""Events the moderation app publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class ModerationAction(EventPayload):
    """A moderator acted on a target; the content's author is told why.

    ``action``: "take_down", "restore", "suspend", "ban", "unsuspend" ("dismiss" publishes
    nothing: the author was never told of the report). ``audit_id`` is the audit entry the
    action wrote, so a consumer can de-duplicate by it as well as by the event id.
    """

    TYPE: ClassVar[str] = "moderation.action"
    audit_id: int
    action: str
    target_type: str
    target_id: int
    author_id: int | None
    moderator_id: int | None
    reason: str
    # For an article, its title; for a comment, the start of its text; else empty.
    title: str = ""
    article_id: int | None = None
    occurred_at: datetime | None = None

    def key(self) -> str:
        return f"{self.target_type}:{self.target_id}"
