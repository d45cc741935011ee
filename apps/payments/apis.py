"""The payments API (v1): WeChat's payment notification."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.payments.callbacks import (
    HEADERS,
    payment_notification_body,
    payment_notification_receive,
)
from apps.payments.errors import WeChatNotifyForged, WeChatNotifyRefused
from apps.payments.serializers import WeChatNotifyAnswerSerializer, WeChatNotifyInputSerializer
from scholarnet.api.schema import error_responses


class WeChatNotifyView(APIView):
    # WeChat authenticates by its signature, not by a user; it is never throttled per IP here.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    @extend_schema(
        tags=["payments"],
        operation_id="payments_wechat_notify",
        summary="WeChat Pay's signed payment and refund notifications",
        description="Called by WeChat Pay (API v3). The body is verified against the "
        "`Wechatpay-Signature` header with the platform certificate and decrypted; every request "
        "is stored with its outcome. Refund notifications (`event_type` `REFUND.*`) come here "
        "too and settle the merchant's refund. 200 `SUCCESS` once handled (also for a "
        "duplicate); 400 "
        "`FAIL` for a stale timestamp, a replayed nonce, an unknown order, a wrong amount or a "
        "malformed resource; 401 `FAIL` for a missing signature or one that does not verify. "
        "`extra.reason` "
        "names the outcome.",
        request=WeChatNotifyInputSerializer,
        responses={
            200: WeChatNotifyAnswerSerializer,
            **error_responses(WeChatNotifyRefused, WeChatNotifyForged),
        },
    )
    def post(self, request: Request) -> Response:
        headers = {
            f"Wechatpay-{name}": request.headers.get(f"Wechatpay-{name}", "") for name in HEADERS
        }
        body = request.body.decode("utf-8", errors="replace")
        result = payment_notification_receive(headers=headers, body=body)
        status, answer = payment_notification_body(result)
        return Response(answer, status=status)
