"""Rewards (tips): a reader pays an article's author through WeChat Pay Native.

A reward is born ``pending`` with its own ``out_trade_no``; the payment's events move it to
``paid`` or ``failed``, and a refund of a paid one to ``refunded``. The money itself lives in the
ledger (``apps.ledger``), posted once per reward under the idempotency key ``reward:<id>:paid``
and reversed under ``reward:<id>:refund``; the amounts split on the row are a copy for reading.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class RewardStatus(models.TextChoices):
    PENDING = "pending", "awaiting payment"
    PAID = "paid", "paid"
    FAILED = "failed", "failed or closed"
    REFUNDED = "refunded", "refunded"


class Reward(models.Model):
    article_id = models.BigIntegerField()  # the articles app's id; it owns the article
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField()  # fen
    status = models.CharField(
        max_length=16, choices=RewardStatus.choices, default=RewardStatus.PENDING
    )
    out_trade_no = models.CharField(max_length=32, unique=True)
    payment_id = models.BigIntegerField(null=True, blank=True)
    code_url = models.CharField(max_length=255, blank=True)
    pay_url = models.CharField(max_length=255, blank=True)
    # Set when paid: what the author and the platform received (they sum to ``amount``).
    author_amount = models.PositiveIntegerField(default=0)
    commission_amount = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=1), name="rewards_reward_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(author=models.F("payer")), name="rewards_reward_not_self"
            ),
        ]
        indexes = [
            # The summary: count and sum of one article's paid rewards.
            models.Index(fields=["article_id", "status"], name="rewards_article_status"),
        ]

    def __str__(self) -> str:
        return f"reward {self.pk}: {self.amount} fen to {self.author_id} ({self.status})"
