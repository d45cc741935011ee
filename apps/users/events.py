"""Events the users app publishes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class UserChanged(EventPayload):
    """A public profile changed (or the account was deactivated / reactivated).

    Public fields only: consumers (search, feeds) never receive email or phone.
    """

    TYPE: ClassVar[str] = "user.changed"
    user_id: int
    change: str  # "created", "updated", "deactivated", "reactivated"
    nickname: str
    avatar_url: str
    about: str
    is_active: bool

    def key(self) -> str:
        return f"user:{self.user_id}"
