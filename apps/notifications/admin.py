"""Admin of notifications: read-only, to answer "why did (or didn't) I get notified?"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.notifications.models import DigestSent, Notification


class _ReadOnly(admin.ModelAdmin):
    """Notifications are built by the consumers and read by their recipients only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("id", "recipient_id", "kind", "title", "actor_count", "read_at", "updated_at")
    list_filter = ("kind",)
    search_fields = ("=recipient__id", "=recipient__email", "=article_id", "=comment_id")
    search_help_text = "A recipient id or email, an article id or a comment id."
    show_full_result_count = False
    ordering = ("-id",)


@admin.register(DigestSent)
class DigestSentAdmin(_ReadOnly):
    list_display = ("id", "user_id", "day", "notification_count", "sent_at")
    search_fields = ("=user__id",)
    show_full_result_count = False
    ordering = ("-id",)
