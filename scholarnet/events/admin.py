"""Read-only views of the outbox, the idempotency records and the local dead letters.

These tables are written only by the pipeline; editing a row by hand would lie about what was
delivered, so the admin shows them and never changes them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from scholarnet.events.models import DeadLetterEvent, OutboxEvent, ProcessedEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    # Counting a large table on every page view is slow; the paginator shows "more" instead.
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SentFilter(admin.SimpleListFilter):
    title = "delivery"
    parameter_name = "sent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Sent"), ("no", "Unsent")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(sent_at__isnull=self.value() == "no")
        return queryset


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "type", "key", "occurred_at", "sent_at", "attempts", "event_id"]
    list_filter = [SentFilter, "type"]
    search_fields = ["=event_id", "=key"]
    ordering = ["-id"]
    readonly_fields = [field.name for field in OutboxEvent._meta.fields]


@admin.register(ProcessedEvent)
class ProcessedEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "group", "event_id", "processed_at"]
    list_filter = ["group"]
    search_fields = ["=event_id"]
    ordering = ["-id"]


@admin.register(DeadLetterEvent)
class DeadLetterEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "group", "type", "key", "attempts", "created_at", "event_id"]
    list_filter = ["group", "type"]
    search_fields = ["=event_id", "=key"]
    ordering = ["-id"]
    readonly_fields = [field.name for field in DeadLetterEvent._meta.fields]
