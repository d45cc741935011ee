"""Mounted at ``/wechat-sim/`` by config/urls.py only when WECHAT_SIMULATOR_ENABLED."""

from django.urls import path

from apps.wechat_sim import oauth, pay_api, pay_page

app_name = "wechat_sim"

urlpatterns = [
    path("v3/certificates", pay_api.certificates, name="certificates"),
    path("v3/pay/transactions/native", pay_api.native_prepay, name="native-prepay"),
    path(
        "v3/pay/transactions/out-trade-no/<str:out_trade_no>",
        pay_api.order_query,
        name="order-query",
    ),
    path(
        "v3/pay/transactions/out-trade-no/<str:out_trade_no>/close",
        pay_api.order_close,
        name="order-close",
    ),
    path("v3/refund/domestic/refunds", pay_api.refund_create, name="refund-create"),
    path(
        "v3/refund/domestic/refunds/<str:out_refund_no>",
        pay_api.refund_query,
        name="refund-query",
    ),
    path("pay/<str:out_trade_no>", pay_page.pay_page, name="pay"),
    path("refund/<str:out_trade_no>", pay_page.refund_page, name="refund"),
    path("connect/qrconnect", oauth.authorize, name="oauth-authorize"),
    path("sns/oauth2/access_token", oauth.access_token, name="oauth-access-token"),
    path("sns/userinfo", oauth.userinfo, name="oauth-userinfo"),
]
