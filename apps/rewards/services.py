"""Writes of rewards: the order, and the status changes the payment's events bring.

Creating a reward makes its row first (committed), then asks payments for a Native order outside
any transaction (an HTTP call to WeChat). The order is remembered in Redis per (article, payer,
amount) for ``REWARDS_PREPAY_CACHE_TTL`` (30 min) under a short lock, so a repeated click, or
two at once, returns the same pending order instead of a second one.

Status changes go through :func:`reward_payment_apply` only, whoever learnt of the payment (the
``payment.changed`` consumer, or the payer's status poll that asked payments): it locks the
reward row, then posts to the ledger (which locks accounts in primary-key order), so one lock
order holds everywhere. The ledger's idempotency key from the reward (``reward:<id>:paid``)
makes the credit exactly once even if the status check were bypassed.

The split: the platform's commission is ``amount * REWARDS_COMMISSION_PERCENT // 100``
(rounded down, in the author's favour), the author gets the rest, so the two always sum to the
amount: 1 fen is all the author's, 15 fen give 14 to the author and 1 to the platform.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from apps.articles.errors import ArticleNotFound
from apps.articles.public import article_public_authors
from apps.ledger.models import AccountKind
from apps.ledger.services import (
    Posting,
    account_for_system,
    account_for_user,
    ledger_transaction_post,
    ledger_transaction_reverse,
)
from apps.payments import services as payments
from apps.payments.errors import PaymentNotFound, PaymentProviderError
from apps.rewards.errors import RewardOwnArticle
from apps.rewards.events import RewardChanged
from apps.rewards.models import Reward, RewardStatus
from apps.rewards.selectors import summary_cache_key
from scholarnet.api.errors import ValidationFailed
from scholarnet.cache import invalidate_on_commit
from scholarnet.events.payloads import publish_event

logger = logging.getLogger(__name__)
T = TypeVar("T")

BIZ_TYPE = "reward"
# Payment status → reward status; "init" moves nothing.
TARGETS = {
    "success": RewardStatus.PAID,
    "failed": RewardStatus.FAILED,
    "closed": RewardStatus.FAILED,
    "refunded": RewardStatus.REFUNDED,
}
ALLOWED = {
    (RewardStatus.PENDING, RewardStatus.PAID),
    (RewardStatus.PENDING, RewardStatus.FAILED),
    (RewardStatus.PAID, RewardStatus.REFUNDED),
    # Paid and refunded before this reward heard of either: no money moves, net zero.
    (RewardStatus.PENDING, RewardStatus.REFUNDED),
}


@dataclass(frozen=True, slots=True)
class Split:
    author_amount: int
    commission_amount: int


def reward_split(*, amount: int) -> Split:
    """The platform's commission rounded down; the author gets the rest (exact sum)."""
    commission = amount * settings.REWARDS_COMMISSION_PERCENT // 100
    return Split(author_amount=amount - commission, commission_amount=commission)


# --- creating ------------------------------------------------------------------------------------


def _check_amount(amount: int) -> None:
    low, high = settings.REWARDS_MIN_AMOUNT, settings.REWARDS_MAX_AMOUNT
    if isinstance(amount, bool) or not isinstance(amount, int) or not low <= amount <= high:
        raise ValidationFailed(fields={"amount": [f"An integer of fen from {low} to {high}."]})


def prepay_cache_key(*, article_id: int, payer_id: int, amount: int) -> str:
    return f"rewards:prepay:{article_id}:{payer_id}:{amount}"


def reward_create(*, payer_id: int, article_id: int, amount: int) -> Reward:
    """A pending reward with its WeChat Native order; the same one again within 30 minutes."""
    _check_amount(amount)
    author_id = article_public_authors(article_ids=[article_id]).get(article_id)
    if author_id is None:
        raise ArticleNotFound()
    if author_id == payer_id:
        raise RewardOwnArticle()
    key = prepay_cache_key(article_id=article_id, payer_id=payer_id, amount=amount)
    redis = get_redis_connection("default")
    lock = redis.lock(f"{key}:lock", timeout=30, blocking_timeout=15)
    held = _redis_call(lock.acquire, default=False)
    try:
        cached = _redis_call(lambda: redis.get(key)) if held else None
        reward = _pending_order(int(cached), payer_id) if cached is not None else None
        if reward is None:
            reward = _reward_new(
                payer_id=payer_id, author_id=author_id, article_id=article_id, amount=amount
            )
            if held:
                _redis_call(lambda: redis.set(key, reward.pk, ex=settings.REWARDS_PREPAY_CACHE_TTL))
        return reward
    finally:
        if held:
            _redis_call(lock.release)


def _redis_call(call: Callable[[], T], *, default: T | None = None) -> T | None:
    """Redis is a convenience here, never a condition: without it (down, or the lock not had in
    15 s) a repeated click makes a second order, which is paid only if the payer pays it too."""
    try:
        return call()
    except RedisError:
        logger.warning("rewards: Redis unavailable, prepay not cached", exc_info=True)
        return default


def _pending_order(reward_id: int, payer_id: int) -> Reward | None:
    rewards = Reward.objects.filter(pk=reward_id, payer_id=payer_id, status=RewardStatus.PENDING)
    return rewards.exclude(code_url="").first()


def _reward_new(*, payer_id: int, author_id: int, article_id: int, amount: int) -> Reward:
    # The accounts exist before any money can arrive, so crediting never creates rows under
    # the locks of a payment.
    account_for_user(user_id=author_id)
    account_for_system(kind=AccountKind.WECHAT_CLEARING)
    account_for_system(kind=AccountKind.PLATFORM_REVENUE)
    reward = Reward.objects.create(
        article_id=article_id,
        author_id=author_id,
        payer_id=payer_id,
        amount=amount,
        out_trade_no=f"RW{uuid.uuid4().hex[:28]}",
    )
    try:
        order = payments.payment_native_create(
            out_trade_no=reward.out_trade_no,
            amount=amount,
            description=f"Tip for article {article_id}",
            payer_id=payer_id,
            biz_type=BIZ_TYPE,
            biz_id=reward.pk,
        )
    except PaymentProviderError:
        # The payment row stays init without a code_url; reconciliation closes it. This reward
        # is over: a new click starts a new one.
        reward_payment_apply(reward_id=reward.pk, payment_status="failed")
        raise
    reward.payment_id, reward.code_url = order.payment_id, order.code_url
    reward.pay_url = order.pay_url or ""
    reward.save(update_fields=["payment_id", "code_url", "pay_url", "updated_at"])
    return reward


# --- status changes ------------------------------------------------------------------------------


def reward_payment_apply(
    *, reward_id: int, payment_status: str, amount: int | None = None
) -> Reward | None:
    """Move the reward to what its payment's status means, once; the ledger follows.

    ``amount`` (the payment's, from its event) must equal the reward's or nothing changes. An
    illegal or repeated change is logged and ignored. None for an unknown reward.
    """
    target = TARGETS.get(payment_status)
    with transaction.atomic():
        reward = Reward.objects.select_for_update().filter(pk=reward_id).first()
        if reward is None or target is None or reward.status == target:
            return reward
        if amount is not None and amount != reward.amount:
            logger.error("reward %s: payment of %s fen, not %s", reward.pk, amount, reward.amount)
            return reward
        if (reward.status, target) not in ALLOWED:
            logger.warning("reward %s: refused %s -> %s", reward.pk, reward.status, target)
            return reward
        _move(reward, target)
    return reward


def _move(reward: Reward, target: str) -> None:
    previous, now = reward.status, timezone.now()
    fields = ["status", "updated_at"]
    if target == RewardStatus.PAID:
        split = _credit(reward)
        reward.author_amount, reward.commission_amount, reward.paid_at = (
            split.author_amount,
            split.commission_amount,
            now,
        )
        fields += ["author_amount", "commission_amount", "paid_at"]
    elif target == RewardStatus.REFUNDED and previous == RewardStatus.PAID:
        ledger_transaction_reverse(
            original_key=_paid_key(reward),
            idempotency_key=f"reward:{reward.pk}:refund",
            kind="reward_refund",
            description=f"Refund of a tip for article {reward.article_id}",
        )
    reward.status = target
    reward.save(update_fields=fields)
    if RewardStatus.PAID in (previous, target):
        invalidate_on_commit(summary_cache_key(article_id=reward.article_id))
    publish_event(
        RewardChanged(
            reward_id=reward.pk,
            article_id=reward.article_id,
            author_id=reward.author_id,
            payer_id=reward.payer_id,
            amount=reward.amount,
            author_amount=reward.author_amount if target == RewardStatus.PAID else 0,
            status=target,
            previous_status=previous,
            occurred_at=now,
        )
    )


def _paid_key(reward: Reward) -> str:
    return f"reward:{reward.pk}:paid"


def _credit(reward: Reward) -> Split:
    split = reward_split(amount=reward.amount)
    postings = [
        Posting(
            account_id=account_for_system(kind=AccountKind.WECHAT_CLEARING), amount=-reward.amount
        ),
        Posting(account_id=account_for_user(user_id=reward.author_id), amount=split.author_amount),
    ]
    if split.commission_amount:
        platform = account_for_system(kind=AccountKind.PLATFORM_REVENUE)
        postings.append(Posting(account_id=platform, amount=split.commission_amount))
    ledger_transaction_post(
        idempotency_key=_paid_key(reward),
        kind="reward",
        postings=postings,
        description=f"Tip for article {reward.article_id}",
        reference=f"reward:{reward.pk}",
    )
    return split


def reward_refresh(*, reward: Reward) -> Reward:
    """A pending reward asks payments (which may ask WeChat) and applies what it hears.

    A reward left without an order (the process died between making the row and the prepay)
    asks too once its prepay window is over: when payments never heard of it nobody can pay
    it, and it fails; an order payments holds is closed by payments' reconciliation.
    """
    if reward.status != RewardStatus.PENDING:
        return reward
    window = timedelta(seconds=settings.REWARDS_PREPAY_CACHE_TTL)
    if not reward.code_url and reward.created_at > timezone.now() - window:
        return reward
    try:
        status = payments.payment_refresh(out_trade_no=reward.out_trade_no)
    except PaymentNotFound:
        status = "closed"
    except PaymentProviderError:
        logger.warning("reward %s: payment status unavailable", reward.pk, exc_info=True)
        return reward
    return reward_payment_apply(reward_id=reward.pk, payment_status=status) or reward
