"""Reads of rewards: one reward for its payer, and an article's paid-rewards summary."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Sum

from apps.articles.errors import ArticleNotFound
from apps.articles.public import article_public_authors
from apps.rewards.errors import RewardNotFound
from apps.rewards.models import Reward, RewardStatus
from scholarnet.cache import two_level_cache


def reward_get_for_payer(*, reward_id: int, payer_id: int) -> Reward:
    """The payer's own reward; anyone else's is ``RewardNotFound`` (404)."""
    reward = Reward.objects.filter(pk=reward_id, payer_id=payer_id).first()
    if reward is None:
        raise RewardNotFound()
    return reward


@dataclass(frozen=True, slots=True)
class RewardSummary:
    article_id: int
    reward_count: int
    reward_total: int  # fen


def summary_cache_key(*, article_id: int) -> str:
    return f"rewards:summary:{article_id}"


def reward_summary_get(*, article_id: int) -> RewardSummary:
    """Count and total of a public article's paid rewards (cached; dropped on every change)."""
    if article_id not in article_public_authors(article_ids=[article_id]):
        raise ArticleNotFound()
    count, total = two_level_cache.get_or_load(
        summary_cache_key(article_id=article_id),
        lambda: _summary_load(article_id),
        ttl=settings.REWARDS_SUMMARY_CACHE_TTL,
    )
    return RewardSummary(article_id=article_id, reward_count=count, reward_total=total)


def _summary_load(article_id: int) -> list[int]:
    row = Reward.objects.filter(article_id=article_id, status=RewardStatus.PAID).aggregate(
        count=Count("pk"), total=Sum("amount")
    )
    return [int(row["count"]), int(row["total"] or 0)]
