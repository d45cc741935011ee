"""Admin: likes and folders to look at, stat rows read-only with a recount action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.interactions.models import ArticleLike, ArticleStat, Collection, CollectionItem
from apps.interactions.recount import article_stats_recount


class _ReadOnly(admin.ModelAdmin):
    """Facts and counters change through the services only (counters, events, caches)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArticleStat)
class ArticleStatAdmin(_ReadOnly):
    list_display = (
        "article_id",
        "like_count",
        "collect_count",
        "read_count",
        "comment_count",
        "review_count",
        "updated_at",
    )
    search_fields = ("=article_id",)
    actions = ("recount",)

    def has_recount_permission(self, request: HttpRequest) -> bool:
        # Idempotent and safe while the site runs, but it locks rows: staff only.
        return bool(request.user.is_active and request.user.is_staff)

    @admin.action(
        description="Recount likes, collects, reads, comments and reviews from the facts",
        permissions=["recount"],
    )
    def recount(self, request: HttpRequest, queryset: QuerySet[ArticleStat]) -> None:
        ids = sorted(queryset.values_list("article_id", flat=True))
        changed = article_stats_recount(article_ids=ids)
        self.message_user(
            request, f"Recounted {len(ids)} articles: {changed} corrected.", messages.SUCCESS
        )


@admin.register(ArticleLike)
class ArticleLikeAdmin(_ReadOnly):
    list_display = ("id", "user", "article_id", "created_at")
    list_select_related = ("user",)
    search_fields = ("=article_id", "=user__id")
    raw_id_fields = ("user",)


class CollectionItemInline(admin.TabularInline):
    model = CollectionItem
    fields = ("article_id", "created_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Collection)
class CollectionAdmin(_ReadOnly):
    list_display = ("id", "name", "owner", "is_default", "created_at")
    list_select_related = ("owner",)
    search_fields = ("name", "=owner__id")
    inlines = (CollectionItemInline,)
