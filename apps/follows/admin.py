"""Admin of follows: the facts read-only (they change through the API), the stat rows with a
recount action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.follows.models import Follow, FollowStat, TagFollow
from apps.follows.services import follow_stats_recount


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Follow)
class FollowAdmin(_ReadOnly):
    list_display = ("id", "follower_id", "followee_id", "created_at")
    search_fields = ("=follower__id", "=followee__id")
    show_full_result_count = False


@admin.register(TagFollow)
class TagFollowAdmin(_ReadOnly):
    list_display = ("id", "user_id", "name", "created_at")
    search_fields = ("=user__id", "name")
    show_full_result_count = False


@admin.register(FollowStat)
class FollowStatAdmin(_ReadOnly):
    list_display = ("user_id", "follower_count", "followee_count", "updated_at")
    search_fields = ("=user_id",)
    actions = ("recount",)

    @admin.action(description="Recount from the follows")
    def recount(self, request: HttpRequest, queryset: QuerySet[FollowStat]) -> None:
        changed = follow_stats_recount(user_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{changed} corrected.", messages.SUCCESS)
