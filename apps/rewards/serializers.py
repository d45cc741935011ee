"""Input and output shapes of the rewards API."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from apps.rewards.models import Reward, RewardStatus


class FenField(serializers.IntegerField):
    """An amount of money: a JSON integer only ("5", 5.0 and true are refused, not coerced)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(super().to_internal_value(data))


class RewardCreateInputSerializer(serializers.Serializer):
    amount = FenField(
        min_value=settings.REWARDS_MIN_AMOUNT,
        max_value=settings.REWARDS_MAX_AMOUNT,
        help_text="Fen (1/100 CNY).",
    )


class RewardOutputSerializer(serializers.Serializer):
    reward_id = serializers.IntegerField()
    article_id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="Fen.")
    status = serializers.ChoiceField(choices=RewardStatus.choices)
    code_url = serializers.CharField(help_text="The WeChat Pay Native QR code's content.")
    pay_url = serializers.CharField(
        required=False, help_text="The local WeChat simulator's pay page; only when it is on."
    )
    created_at = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)


class RewardSummaryOutputSerializer(serializers.Serializer):
    article_id = serializers.IntegerField()
    reward_count = serializers.IntegerField(help_text="Paid rewards.")
    reward_total = serializers.IntegerField(help_text="Their total, fen.")


def reward_represent(reward: Reward) -> dict[str, Any]:
    dates = serializers.DateTimeField()
    data: dict[str, Any] = {
        "reward_id": reward.pk,
        "article_id": reward.article_id,
        "amount": reward.amount,
        "status": reward.status,
        "code_url": reward.code_url,
        "created_at": dates.to_representation(reward.created_at),
        "paid_at": dates.to_representation(reward.paid_at) if reward.paid_at else None,
    }
    if reward.pay_url:
        data["pay_url"] = reward.pay_url
    return data
