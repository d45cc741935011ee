"""WeChat login: start it (the authorization URL) and complete it (code → user → session)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from social_core.exceptions import (
    AuthCanceled,
    AuthCredentialError,
    AuthException,
    AuthInputError,
    AuthProviderError,
    AuthSessionError,
)

from apps.users.mfa.services import sign_in
from apps.users.models import User
from apps.users.services import user_get_or_create_by_wechat
from apps.users.wechat.backend import WeChatQRConnect, WeChatStrategy
from apps.users.wechat.errors import (
    WeChatAuthCancelled,
    WeChatAuthFailed,
    WeChatLoginDisabled,
    WeChatLoginMisconfigured,
    WeChatStateInvalid,
    WeChatUnavailable,
)
from apps.users.wechat.state import state_new, state_verify
from scholarnet.api.errors import ApplicationError

if TYPE_CHECKING:
    from apps.users.mfa.services import MfaChallenge
    from apps.users.services import IssuedSession

logger = logging.getLogger(__name__)

# WeChat's errcode -1 is "system busy": its fault, worth retrying, unlike a rejected code.
WECHAT_BUSY = -1


@dataclass(frozen=True)
class WeChatLoginStart:
    url: str
    state: str


def wechat_login_ensure_enabled() -> None:
    if not settings.WECHAT_LOGIN_ENABLED:
        raise WeChatLoginDisabled()
    if not (settings.SOCIAL_AUTH_WEIXIN_KEY and settings.SOCIAL_AUTH_WEIXIN_SECRET):
        logger.error("WeChat login is enabled without WECHAT_APP_ID and WECHAT_APP_SECRET")
        raise WeChatLoginMisconfigured()


def wechat_login_start(*, request: HttpRequest) -> WeChatLoginStart:
    """A new state and the QR-connect URL that carries it."""
    wechat_login_ensure_enabled()
    state = state_new()
    return WeChatLoginStart(url=_backend(request, state=state).auth_url(), state=state)


def wechat_login_complete(
    *, request: HttpRequest, code: str, received_state: str
) -> IssuedSession | MfaChallenge:
    """Check the state, exchange the code, find or create the user and start a session.

    ``code`` and ``received_state`` are what WeChat sent back; the state must be the one in this
    browser's state cookie, else nothing is asked of WeChat and nothing is created.
    """
    wechat_login_ensure_enabled()
    state = state_verify(request, received=received_state)
    if not code:
        # WeChat sends the browser back with the state and no code when the user declines.
        raise WeChatAuthCancelled()
    try:
        profile = _backend(request, state=state).auth_complete()
    except AuthException as error:
        raise _wechat_error(error) from error
    user = _user_from_profile(profile)
    return sign_in(user=user, request=request)


def _backend(request: HttpRequest, *, state: str) -> WeChatQRConnect:
    redirect_uri = settings.WECHAT_REDIRECT_URI or request.build_absolute_uri(
        reverse("v1:wechat-callback")
    )
    return WeChatQRConnect(WeChatStrategy(request, state=state), redirect_uri=redirect_uri)


def _user_from_profile(profile: dict[str, Any]) -> User:
    return user_get_or_create_by_wechat(
        union_id=profile["unionid"],
        open_id=profile["openid"],
        nickname=profile.get("nickname") or "",
        avatar_url=profile.get("headimgurl") or "",
    )


def _wechat_error(error: AuthException) -> ApplicationError:
    logger.warning(
        "WeChat login failed",
        extra={
            "wechat_error": error.code,
            "wechat_stage": error.stage,
            "wechat_errcode": error.provider_code,
        },
    )
    if isinstance(error, (AuthSessionError, AuthInputError)):
        return WeChatStateInvalid()
    if isinstance(error, AuthCanceled):
        return WeChatAuthCancelled()
    if isinstance(error, AuthCredentialError):
        return WeChatAuthFailed()
    errcode = error.provider_code
    if isinstance(error, AuthProviderError) and errcode is not None and errcode != WECHAT_BUSY:
        return WeChatAuthFailed(extra={"errcode": errcode})
    # Timeouts, refused connections, 5xx, malformed replies and "system busy".
    return WeChatUnavailable()
