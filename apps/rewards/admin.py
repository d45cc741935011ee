"""Rewards in the admin, read-only: their state is the payment's to change, through events."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.rewards.models import Reward


@admin.register(Reward)
class RewardAdmin(admin.ModelAdmin):
    list_display = ("id", "article_id", "payer", "author", "amount", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("=id", "=out_trade_no", "=article_id")
    list_select_related = ("payer", "author")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
