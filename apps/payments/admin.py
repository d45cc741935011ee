"""Admin: payments (refund action for staff), their refunds and the raw notifications,
read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.payments.models import Payment, PaymentNotification, Refund
from apps.payments.services import payment_refund
from scholarnet.api.errors import ApplicationError


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("out_trade_no", "amount", "status", "biz_type", "biz_id", "payer", "created_at")
    list_filter = ("status", "biz_type")
    search_fields = ("out_trade_no", "transaction_id")
    raw_id_fields = ("payer",)
    list_select_related = ("payer",)
    actions = ("refund",)

    @admin.action(description="Refund through WeChat Pay", permissions=["change"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Payment]) -> None:
        for payment in queryset.order_by("pk"):
            try:
                status = payment_refund(
                    out_trade_no=payment.out_trade_no, reason=f"refunded by {request.user}"
                )
            except ApplicationError as error:
                self.message_user(
                    request, f"{payment.out_trade_no}: {error.code}", level=messages.ERROR
                )
            else:
                self.message_user(request, f"{payment.out_trade_no}: {status}")


@admin.register(PaymentNotification)
class PaymentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "out_trade_no", "trade_state", "outcome", "notification_id")
    list_filter = ("outcome",)
    search_fields = ("out_trade_no", "notification_id", "nonce")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("out_refund_no", "amount", "status", "wechat_status", "created_at")
    list_filter = ("status",)
    search_fields = ("out_refund_no", "refund_id", "payment__out_trade_no")
    raw_id_fields = ("payment",)
    list_select_related = ("payment",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
