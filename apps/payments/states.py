"""The payment state machine: which status may follow which, and WeChat's states mapped to ours."""

from __future__ import annotations

from apps.payments.models import PaymentStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    PaymentStatus.INIT: frozenset(
        {PaymentStatus.SUCCESS, PaymentStatus.FAILED, PaymentStatus.CLOSED}
    ),
    PaymentStatus.SUCCESS: frozenset({PaymentStatus.REFUNDED}),
    PaymentStatus.FAILED: frozenset(),
    PaymentStatus.CLOSED: frozenset(),
    PaymentStatus.REFUNDED: frozenset(),
}

# WeChat's trade_state → ours. NOTPAY and USERPAYING mean "still init"; absent here.
TRADE_STATES: dict[str, str] = {
    "SUCCESS": PaymentStatus.SUCCESS,
    "PAYERROR": PaymentStatus.FAILED,
    "CLOSED": PaymentStatus.CLOSED,
    "REVOKED": PaymentStatus.CLOSED,
    "REFUND": PaymentStatus.REFUNDED,
}


def transition_allowed(*, current: str, target: str) -> bool:
    return target in TRANSITIONS[current]
