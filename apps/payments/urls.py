from django.urls import path

from apps.payments.apis import WeChatNotifyView

urlpatterns = [
    path("payments/wechat/notify", WeChatNotifyView.as_view(), name="payments-wechat-notify"),
]
