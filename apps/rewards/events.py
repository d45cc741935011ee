"""Events the rewards app publishes, for notifications (the author hears of a paid tip).

``reward.changed`` is published through the outbox in the transaction of every status change
of a reward, with the state after it. Delivery is at least once: a consumer keys its own
idempotency on (``reward_id``, ``status``) or on the event id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class RewardChanged(EventPayload):
    TYPE: ClassVar[str] = "reward.changed"
    reward_id: int
    article_id: int
    author_id: int  # whom to notify
    payer_id: int
    amount: int  # fen, what the payer paid
    author_amount: int  # fen, what the author received (0 unless paid)
    status: str  # one of apps.rewards.models.RewardStatus, after the change
    previous_status: str
    occurred_at: datetime

    def key(self) -> str:
        return f"reward:{self.reward_id}"
