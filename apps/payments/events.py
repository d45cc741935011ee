"""Events the payments app publishes, for rewards (and anyone who follows money).

``payment.changed`` is published through the outbox in the transaction of every status
transition of a payment (``init → success | failed | closed``, ``success → refunded``) and only
then: a duplicate or concurrent callback that changes nothing publishes nothing. It carries the
state after the change; ``previous_status`` says which transition it was. Delivery is at least
once, so a consumer keys its own idempotency on (``payment_id``, ``status``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class PaymentChanged(EventPayload):
    TYPE: ClassVar[str] = "payment.changed"
    payment_id: int
    out_trade_no: str
    biz_type: str  # who the payment is for: "reward", …
    biz_id: int  # that business object's id (the reward's)
    payer_id: int
    amount: int  # fen
    status: str  # one of apps.payments.models.PaymentStatus, after the change
    previous_status: str
    occurred_at: datetime

    def key(self) -> str:
        return f"payment:{self.payment_id}"
