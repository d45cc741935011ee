"""Payments (one WeChat Pay Native order each) and every notification WeChat sent about them.

Amounts are integer fen. ``Payment.status`` only moves along the transitions of
``apps.payments.states``; the row is changed by a compare-and-set UPDATE on the old status, so two
concurrent callbacks can never both apply.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PaymentStatus(models.TextChoices):
    INIT = "init", "awaiting payment"
    SUCCESS = "success", "paid"
    FAILED = "failed", "failed"
    CLOSED = "closed", "closed"
    REFUNDED = "refunded", "refunded"


class Payment(models.Model):
    out_trade_no = models.CharField(max_length=32, unique=True)  # WeChat: 6-32 characters
    amount = models.PositiveIntegerField()  # fen
    description = models.CharField(max_length=127)
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    biz_type = models.CharField(max_length=32)
    biz_id = models.BigIntegerField()
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.INIT
    )
    code_url = models.CharField(max_length=255, blank=True)
    transaction_id = models.CharField(max_length=64, blank=True)  # WeChat's own order number
    refund_reason = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # Reconciliation pages through old unpaid orders by primary key.
            models.Index(fields=["status", "id"], name="payment_status_id"),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.amount} fen {self.status}"


class RefundStatus(models.TextChoices):
    PROCESSING = "processing", "processing at WeChat"
    SUCCESS = "success", "refunded"
    FAILED = "failed", "closed or abnormal at WeChat"


class Refund(models.Model):
    """One full refund of a paid payment, as WeChat handles it.

    WeChat answers a refund request ``PROCESSING`` (or already ``SUCCESS``) and settles it later
    by a refund notification or the refund query. Only ``SUCCESS`` moves the payment to
    ``refunded`` (and so the ledger); ``CLOSED`` or ``ABNORMAL`` fail the refund and leave the
    payment paid, so a new request starts another refund with a new ``out_refund_no``. At most
    one refund per payment is ``processing`` or ``success``: they are created under the
    payment's row lock.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    out_refund_no = models.CharField(max_length=64, unique=True)  # WeChat: 1-64 characters
    attempt = models.PositiveSmallIntegerField(default=1)
    amount = models.PositiveIntegerField()  # fen
    reason = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.PROCESSING
    )
    refund_id = models.CharField(max_length=64, blank=True)  # WeChat's own refund number
    wechat_status = models.CharField(max_length=16, blank=True)  # SUCCESS, CLOSED, ABNORMAL, …
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["payment", "attempt"], name="refund_payment_attempt"),
        ]
        indexes = [
            # Reconciliation pages through refunds still processing by primary key.
            models.Index(fields=["status", "id"], name="refund_status_id"),
        ]

    def __str__(self) -> str:
        return f"{self.out_refund_no} {self.amount} fen {self.status}"


class NotificationOutcome(models.TextChoices):
    APPLIED = "applied", "applied"
    DUPLICATE = "duplicate", "duplicate (already in that state)"
    REFUSED = "refused", "refused transition"
    FORGED = "forged", "signature invalid"
    STALE = "stale", "timestamp too old or too new"
    REPLAYED = "replayed", "nonce already seen"
    AMOUNT_MISMATCH = "amount_mismatch", "amount differs from the order"
    UNKNOWN_ORDER = "unknown_order", "no such order"
    MALFORMED = "malformed", "not a payment or refund notification"
    # No Wechatpay-* signature headers at all: not a callback attempt. Answered, not stored.
    UNSIGNED = "unsigned", "no WeChat signature headers"


class PaymentNotification(models.Model):
    """One HTTP request to the notify endpoint, stored raw, whatever became of it."""

    # Indexed: the pruning job deletes rows past PAYMENTS_NOTIFICATION_RETENTION_DAYS.
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    headers = models.JSONField()  # the Wechatpay-* headers as received
    body = models.TextField()  # the raw body, still encrypted
    # The signed nonce: unique, so the same signed request twice is a replay, even concurrently.
    # Empty when the request carried none (then it cannot have been verified either).
    nonce = models.CharField(max_length=64, null=True, blank=True, unique=True)
    notification_id = models.CharField(max_length=64, blank=True)  # WeChat's notification id
    out_trade_no = models.CharField(max_length=32, blank=True, db_index=True)
    # Set for a refund notification (event_type REFUND.*); trade_state then holds refund_status.
    out_refund_no = models.CharField(max_length=64, blank=True, db_index=True)
    trade_state = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=16, choices=NotificationOutcome.choices)

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M:%S} {self.out_trade_no or '?'} {self.outcome}"
