"""The ``rewards`` consumer group: payments' status changes move rewards (and the ledger).

Idempotent per event (``idempotent=True``), and per business fact below that: the reward row's
status check under its lock, and the ledger's key ``reward:<id>:paid``, so a redelivered, a
concurrent or a late event never credits twice.
"""

from __future__ import annotations

from apps.payments.events import PaymentChanged
from apps.rewards import services
from scholarnet.events import Event, consumer

GROUP = "rewards"


@consumer(group=GROUP, topics=["payment.changed"], idempotent=True)
def on_payment_changed(event: Event) -> None:
    payment = PaymentChanged.from_event(event)
    if payment.biz_type != services.BIZ_TYPE:
        return
    services.reward_payment_apply(
        reward_id=payment.biz_id, payment_status=payment.status, amount=payment.amount
    )
