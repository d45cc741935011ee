"""social-auth glue: WeChat's protocol from social-core, state and users from ScholarNet.

The API is stateless (JWT), so the OAuth ``state`` lives in a signed browser cookie
(:mod:`apps.users.wechat.state`) instead of the Django session, and the WeChat identity is turned
into a user by :mod:`apps.users.services` instead of social-auth's pipeline and its
``UserSocialAuth`` table. The authorization URL, the code exchange, the user-info call and
WeChat's ``errcode`` handling are social-core's ``WeixinOAuth2``.

Nothing here reads the global ``SOCIAL_AUTH_STRATEGY`` / ``_STORAGE`` / ``_AUTHENTICATION_BACKENDS``
settings, so another social login can later use social_django's models without touching this one;
only ``SOCIAL_AUTH_WEIXIN_KEY`` and ``SOCIAL_AUTH_WEIXIN_SECRET`` configure it.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from social_core.backends.weixin import WeixinOAuth2
from social_core.exceptions import AuthResponseError, AuthSessionError
from social_core.storage import BaseStorage
from social_core.utils import constant_time_compare
from social_django.strategy import DjangoStrategy

STATE_KEY = "weixin_state"


class WeChatStrategy(DjangoStrategy):
    """A DjangoStrategy whose "session" is a dict that lives for one request.

    The only value kept in it is the state, which the caller has read from (or will write to)
    the state cookie. The storage is social-core's bare base class: this flow stores nothing, and
    any attempt to would fail loudly.
    """

    def __init__(self, request: HttpRequest, *, state: str) -> None:
        self.request = request
        self.session = {STATE_KEY: state}  # type: ignore[assignment]
        super(DjangoStrategy, self).__init__(BaseStorage)


class WeChatQRConnect(WeixinOAuth2):
    """``WeixinOAuth2`` with the caller's state, returning WeChat's profile instead of a user.

    WeChat's three addresses come from settings (``WECHAT_OAUTH_*_URL``), WeChat's own by
    default, the local simulator's (``/wechat-sim/``) when it is on.
    """

    @property
    def AUTHORIZATION_URL(self) -> str:  # type: ignore[override]
        return settings.WECHAT_OAUTH_AUTHORIZE_URL

    @property
    def ACCESS_TOKEN_URL(self) -> str:  # type: ignore[override]
        return settings.WECHAT_OAUTH_ACCESS_TOKEN_URL

    def get_or_create_state(self) -> str:
        return self._expected_state(stage="begin")

    def validate_state(self) -> str:
        # The view has already matched the cookie; checking again here keeps this backend safe
        # for any other caller.
        expected = self._expected_state(stage="callback")
        received = self.get_request_state()
        if not isinstance(received, str) or not constant_time_compare(received, expected):
            raise AuthSessionError(self, code="state_mismatch", stage="callback")
        return expected

    def _expected_state(self, *, stage: Any) -> str:
        state = self.strategy.session_get(STATE_KEY)
        if not state:
            raise AuthSessionError(self, code="session_context_missing", stage=stage)
        return state

    def do_auth(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        token_reply: dict[str, Any] = kwargs["response"]
        open_id = token_reply.get("openid")
        if not isinstance(open_id, str) or not open_id:
            raise AuthResponseError(
                self, code="missing_claim", claim="openid", stage="token_exchange"
            )
        profile = self.user_data(access_token, response=token_reply) or {}
        # The identity comes from the code exchange; the profile only adds name and avatar.
        union_id = token_reply.get("unionid") or profile.get("unionid") or None
        return {**profile, "openid": open_id, "unionid": union_id}

    def user_data(self, access_token: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # WeChat may label its UTF-8 JSON text/plain, which requests would decode as Latin-1.
        # Parsing the bytes is right under every label; the parent's re-encoding trick instead
        # garbles a nickname that was decoded correctly ("张三" becomes "\u5f20\u4e09").
        reply = self.request(
            settings.WECHAT_OAUTH_USERINFO_URL,
            params={"access_token": access_token, "openid": kwargs["response"]["openid"]},
            stage="user_info",
        )
        try:
            data = json.loads(reply.content)
        except ValueError as error:
            raise AuthResponseError(self, code="malformed_response", stage="user_info") from error
        if not isinstance(data, dict):
            raise AuthResponseError(self, code="malformed_response", stage="user_info")
        self._process_error(data, stage="user_info")
        return data
