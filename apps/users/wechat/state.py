"""The OAuth ``state`` of a WeChat login, bound to the browser that started it.

The state is random, sent to WeChat inside the authorization URL and kept in a signed, HttpOnly,
SameSite=Lax cookie that expires with the login attempt. The callback accepts only the state that
the same browser's cookie holds, which stops login CSRF (an attacker cannot make a victim's
browser finish a login with the attacker's WeChat code). The cookie is cleared by every callback,
so each state is tried once.
"""

from __future__ import annotations

import hmac
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from apps.users.wechat.errors import WeChatStateInvalid

COOKIE_NAME = "wechat_state"
# The signature is salted so that no other signed cookie of the site is accepted as a state.
COOKIE_SALT = "scholarnet.wechat-login-state"


def state_new() -> str:
    return secrets.token_urlsafe(32)


def state_cookie_set(response: HttpResponse, *, state: str, path: str) -> None:
    response.set_signed_cookie(
        COOKIE_NAME,
        state,
        salt=COOKIE_SALT,
        max_age=settings.WECHAT_STATE_MAX_AGE,
        path=path,
        secure=settings.WECHAT_STATE_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def state_cookie_clear(response: HttpResponse, *, path: str) -> None:
    response.delete_cookie(COOKIE_NAME, path=path, samesite="Lax")


def state_verify(request: HttpRequest, *, received: str) -> str:
    """The state of this browser's login if ``received`` is it; else ``WeChatStateInvalid``."""
    expected = request.get_signed_cookie(
        COOKIE_NAME, default=None, salt=COOKIE_SALT, max_age=settings.WECHAT_STATE_MAX_AGE
    )
    # Bytes, because compare_digest refuses non-ASCII text and the query string is untrusted.
    if (
        not expected
        or not received
        or not hmac.compare_digest(received.encode(), expected.encode())
    ):
        raise WeChatStateInvalid()
    return expected
