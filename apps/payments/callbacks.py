"""WeChat's payment notifications: verify, record, apply once.

Every request is stored (``PaymentNotification``) with what became of it. In order:

1. the signed timestamp must be within ``PAYMENTS_NOTIFY_MAX_AGE`` of now (an old request
   replayed is refused before any cryptography);
2. the SDK verifies the RSA-SHA256 signature with the platform certificate named by
   ``Wechatpay-Serial`` (downloading certificates for an unknown serial) and decrypts the
   AES-256-GCM resource; a failure is ``forged``;
3. the signed nonce must be new: it is stored under a unique constraint in the transaction that
   applies the change, so the same signed request twice — even at once — applies once;
4. the order must exist, belong to our merchant, and the amount must equal the payment's;
5. the status change goes through ``payment_transition`` (compare-and-set, event on apply).

Refund notifications (``event_type`` ``REFUND.SUCCESS``, ``REFUND.CLOSED``,
``REFUND.ABNORMAL``) come to the same endpoint (the SDK sends the merchant's notify_url with
each refund request) in the same signed, encrypted envelope and pass the same checks 1-3; then
the refund must be ours, for that order, and of its amount, and ``refund_apply`` settles it
(``SUCCESS`` moves the payment to ``refunded``, once).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.payments.metrics import NOTIFICATIONS
from apps.payments.models import NotificationOutcome, Payment, PaymentNotification, Refund
from apps.payments.services import Transition, payment_transition, refund_apply
from apps.payments.states import TRADE_STATES
from apps.payments.wechatpay import wechatpay_client

logger = logging.getLogger(__name__)

HEADERS = ("Timestamp", "Nonce", "Signature", "Serial", "Signature-Type")
# Outcomes WeChat should not resend: handled (or authentic and nothing to do).
ACKNOWLEDGED = {
    NotificationOutcome.APPLIED,
    NotificationOutcome.DUPLICATE,
    NotificationOutcome.REFUSED,
}


@dataclass(frozen=True)
class NotificationResult:
    outcome: str
    notification_id: int | None  # None for an unsigned request, which is not stored

    @property
    def acknowledged(self) -> bool:
        return self.outcome in ACKNOWLEDGED


def payment_notification_receive(*, headers: dict[str, str], body: str) -> NotificationResult:
    """Handle one notify request; ``headers`` are the Wechatpay-* headers by their names."""
    wechat_headers = {f"Wechatpay-{name}": headers.get(f"Wechatpay-{name}", "") for name in HEADERS}
    record: dict[str, Any] = {"headers": wechat_headers, "body": body}
    if not all(wechat_headers[f"Wechatpay-{name}"] for name in HEADERS[:4]):
        logger.warning("payment notification without WeChat signature headers refused")
        NOTIFICATIONS.labels(outcome=NotificationOutcome.UNSIGNED).inc()
        return NotificationResult(outcome=NotificationOutcome.UNSIGNED, notification_id=None)
    if not _fresh(wechat_headers["Wechatpay-Timestamp"]):
        return _record(outcome=NotificationOutcome.STALE, **record)
    notification = _verified(wechat_headers, body)
    if notification is None:
        return _record(outcome=NotificationOutcome.FORGED, **record)
    resource = notification.get("resource")
    if not isinstance(resource, dict) or not isinstance(resource.get("out_trade_no"), str):
        return _record(outcome=NotificationOutcome.MALFORMED, **record)
    is_refund = str(notification.get("event_type", "")).startswith("REFUND.")
    if is_refund and not isinstance(resource.get("out_refund_no"), str):
        return _record(outcome=NotificationOutcome.MALFORMED, **record)
    details = {
        "notification_id": str(notification.get("id", ""))[:64],
        "out_trade_no": resource["out_trade_no"][:32],
        "out_refund_no": str(resource.get("out_refund_no", ""))[:64] if is_refund else "",
        "trade_state": str(resource.get("refund_status" if is_refund else "trade_state", ""))[:32],
    }
    try:
        with transaction.atomic():
            outcome = _apply_refund(resource) if is_refund else _apply(resource)
            return _record(
                outcome=outcome, nonce=wechat_headers["Wechatpay-Nonce"], **details, **record
            )
    except IntegrityError:  # the nonce was seen: this very request was handled before
        return _record(outcome=NotificationOutcome.REPLAYED, **details, **record)


def _fresh(timestamp: str) -> bool:
    try:
        signed_at = int(timestamp)
    except ValueError:
        return False
    return abs(time.time() - signed_at) <= settings.PAYMENTS_NOTIFY_MAX_AGE


# For a serial it does not hold, the SDK downloads the platform certificates again (WeChat
# rotates them). Anyone can send a made-up serial, so that download happens at most once per
# this many seconds per process; in between, an unknown serial is simply forged.
UNKNOWN_SERIAL_REFRESH_SECONDS = 60.0
_last_unknown_serial_refresh = [float("-inf")]


def _verified(headers: dict[str, str], body: str) -> dict[str, Any] | None:
    client = wechatpay_client()
    if not _serial_known(client, headers["Wechatpay-Serial"]):
        now = time.monotonic()
        if now - _last_unknown_serial_refresh[0] < UNKNOWN_SERIAL_REFRESH_SECONDS:
            return None
        _last_unknown_serial_refresh[0] = now
    try:
        notification = client.callback(headers, body)
    except Exception:  # the SDK raises bare Exception on an unsupported algorithm
        logger.warning("payment notification failed verification", exc_info=True)
        return None
    return notification if isinstance(notification, dict) else None


def _serial_known(client: Any, serial: str) -> bool:
    try:
        number = int(serial, 16)
    except ValueError:
        return False
    # The SDK keeps its platform certificates on its Core; it has no public accessor.
    return any(cert.serial_number == number for cert in client._core._certificates)


def _apply(resource: dict[str, Any]) -> str:
    payment = Payment.objects.filter(out_trade_no=resource["out_trade_no"]).first()
    if payment is None or resource.get("mchid") != settings.WECHATPAY_MCHID:
        return NotificationOutcome.UNKNOWN_ORDER
    total = (resource.get("amount") or {}).get("total")
    if total != payment.amount:
        logger.error(
            "payment %s: notified amount %r, order is %s fen",
            payment.out_trade_no,
            total,
            payment.amount,
        )
        return NotificationOutcome.AMOUNT_MISMATCH
    target = TRADE_STATES.get(resource.get("trade_state", ""))
    if target is None:  # NOTPAY, USERPAYING: nothing happened yet
        return NotificationOutcome.DUPLICATE
    applied = payment_transition(
        payment=payment, target=target, transaction_id=str(resource.get("transaction_id", ""))
    )
    return {
        Transition.APPLIED: NotificationOutcome.APPLIED,
        Transition.DUPLICATE: NotificationOutcome.DUPLICATE,
        Transition.REFUSED: NotificationOutcome.REFUSED,
    }[applied]


def _apply_refund(resource: dict[str, Any]) -> str:
    refund = (
        Refund.objects.select_related("payment")
        .filter(out_refund_no=resource["out_refund_no"])
        .first()
    )
    if (
        refund is None
        or refund.payment.out_trade_no != resource["out_trade_no"]
        or resource.get("mchid") != settings.WECHATPAY_MCHID
    ):
        return NotificationOutcome.UNKNOWN_ORDER
    refunded = (resource.get("amount") or {}).get("refund")
    if refunded != refund.amount:
        logger.error(
            "refund %s: notified amount %r, refund is %s fen",
            refund.out_refund_no,
            refunded,
            refund.amount,
        )
        return NotificationOutcome.AMOUNT_MISMATCH
    applied = refund_apply(refund=refund, wechat=resource)
    return {
        Transition.APPLIED: NotificationOutcome.APPLIED,
        Transition.DUPLICATE: NotificationOutcome.DUPLICATE,
        Transition.REFUSED: NotificationOutcome.REFUSED,
    }[applied]


def _record(
    *,
    outcome: str,
    headers: dict[str, str],
    body: str,
    nonce: str | None = None,
    notification_id: str = "",
    out_trade_no: str = "",
    out_refund_no: str = "",
    trade_state: str = "",
) -> NotificationResult:
    row = PaymentNotification.objects.create(
        headers=headers,
        body=body,
        nonce=nonce[:64] if nonce else None,
        notification_id=notification_id,
        out_trade_no=out_trade_no,
        out_refund_no=out_refund_no,
        trade_state=trade_state,
        outcome=outcome,
    )
    NOTIFICATIONS.labels(outcome=outcome).inc()
    if outcome not in ACKNOWLEDGED:
        logger.warning("payment notification %s: %s (%s)", row.pk, outcome, out_trade_no or "?")
    return NotificationResult(outcome=outcome, notification_id=row.pk)


def payment_notification_body(result: NotificationResult) -> tuple[int, dict[str, Any]]:
    """WeChat's expected answer: 200 SUCCESS, or 4xx FAIL (which makes WeChat resend)."""
    if result.acknowledged:
        return 200, {"code": "SUCCESS", "message": "OK"}
    # Unsigned or forged: not from WeChat at all (authentication); anything else WeChat sent.
    unauthenticated = {NotificationOutcome.FORGED, NotificationOutcome.UNSIGNED}
    status = 401 if result.outcome in unauthenticated else 400
    return status, {
        "code": "FAIL",
        "message": NotificationOutcome(result.outcome).label,
        "detail": NotificationOutcome(result.outcome).label,
        "extra": {"reason": result.outcome},
    }
