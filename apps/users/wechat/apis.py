from __future__ import annotations

import posixpath

from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from apps.users import schema_errors
from apps.users.mfa.serializers import SIGN_IN_RESPONSE
from apps.users.rates import WECHAT_LOGIN
from apps.users.responses import sign_in_response
from apps.users.wechat.serializers import (
    WeChatAuthorizationUrlOutputSerializer,
    WeChatCallbackInputSerializer,
)
from apps.users.wechat.services import wechat_login_complete, wechat_login_start
from apps.users.wechat.state import state_cookie_clear, state_cookie_set
from scholarnet.api.schema import error_responses
from scholarnet.ratelimit.throttles import RedisRateThrottle

CALLBACK_DESCRIPTION = """Checks `state` against the `wechat_state` cookie, exchanges `code` with
WeChat and answers the token pair (also in the `x-jwt-token` / `x-refresh-token` headers); the
user is created on the first login, found by union id, then open id. Every answer clears the
cookie, so a state is tried once.

Errors: 400 `wechat_state_invalid` (state missing, expired or not this browser's),
`wechat_auth_cancelled` (no code: the user declined), `wechat_auth_failed` (WeChat rejected the
code; `extra.errcode` is WeChat's); 404 `wechat_login_disabled`; 429 `rate_limited`; 502
`wechat_unavailable`."""


class WeChatCallbackThrottle(RedisRateThrottle):
    scope = WECHAT_LOGIN


def _state_cookie_path() -> str:
    # Both endpoints sit in one folder; the cookie goes to them and nowhere else.
    return posixpath.dirname(reverse("v1:wechat-callback")) + "/"


@extend_schema(tags=["auth"])
class WeChatLoginViewSet(viewsets.ViewSet):
    # Login endpoints: a stale bearer token or session cookie must not stand in the way.
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="auth_wechat_url",
        summary="Start a WeChat login",
        description="Answers the QR-connect URL and sets the short-lived wechat_state cookie.",
        responses={
            200: WeChatAuthorizationUrlOutputSerializer,
            **error_responses(*schema_errors.WECHAT_URL),
        },
    )
    @action(detail=False, methods=["get"], url_path="url", url_name="url")
    def authorization_url(self, request: Request) -> Response:
        start = wechat_login_start(request=request)
        response = Response(WeChatAuthorizationUrlOutputSerializer({"url": start.url}).data)
        state_cookie_set(response, state=start.state, path=_state_cookie_path())
        return response

    @extend_schema(
        operation_id="auth_wechat_callback",
        summary="Finish a WeChat login",
        description=CALLBACK_DESCRIPTION,
        parameters=[WeChatCallbackInputSerializer],
        responses={
            200: SIGN_IN_RESPONSE,
            **error_responses(*schema_errors.WECHAT_CALLBACK),
        },
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="callback",
        url_name="callback",
        throttle_classes=[WeChatCallbackThrottle],
    )
    def callback(self, request: Request) -> Response:
        params = WeChatCallbackInputSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        result = wechat_login_complete(
            request=request,
            code=params.validated_data["code"],
            received_state=params.validated_data["state"],
        )
        return sign_in_response(result)

    def finalize_response(
        self, request: Request, response: Response, *args: object, **kwargs: object
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_never_cache_headers(response)
        if self.action == "callback":
            # Every answer, errors included, ends the attempt: a state is tried once.
            state_cookie_clear(response, path=_state_cookie_path())
        return response
