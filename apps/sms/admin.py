from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.sms.models import SmsMessage
from apps.sms.services import sms_messages_retry


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Read-only: records are written by the senders and the workers, never by hand."""

    list_display = (
        "id",
        "phone",
        "template",
        "status",
        "provider",
        "attempts",
        "created_at",
        "sent_at",
    )
    list_filter = ("status", "provider", "template")
    search_fields = ("^phone",)
    ordering = ("-id",)
    show_full_result_count = False
    actions = ("retry_failed",)
    fields = (
        "phone",
        "template",
        "text",
        "params",
        "status",
        "provider",
        "provider_message_id",
        "attempts",
        "last_error",
        "next_attempt_at",
        "lease_expires_at",
        "created_at",
        "updated_at",
        "sent_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SmsMessage | None = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("sms.change_smsmessage")

    @admin.action(description="Retry the selected failed messages", permissions=["retry"])
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[SmsMessage]) -> None:
        ids = list(queryset.filter(status=SmsMessage.Status.FAILED).values_list("id", flat=True))
        retried = sms_messages_retry(message_ids=ids)
        self.message_user(request, f"{retried} message(s) queued again.", messages.SUCCESS)
