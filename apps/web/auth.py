"""The pages' sign-in: a Django session cookie bound to one of the platform's own sessions.

Every web sign-in (password, SMS code, WeChat, ORCID) goes through the users app's services, the
same ones the API's login endpoints call, so the failure budgets, throttles and errors are the same,
and it ends in :func:`apps.users.services.session_start`: a ``UserSession`` row exists for the
browser and shows in the session list, where it can be revoked like any other. Its id is kept in
the Django session under the key the API's cookie mode uses (``SESSION_ID_KEY``), with Django's
own auth keys, so in ``AUTH_MODE=cookie`` the API accepts the very same cookie.

:class:`PlatformSessionMiddleware` ends the web session on the first request after its platform
session is revoked (signed out elsewhere, deactivation, a password change) or has expired. It
costs one Redis round trip per page request of a signed-in browser (the API's own revocation
check) and nothing for ``/api/`` or for a browser without a session cookie.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from apps.users import revocation, services
from apps.users.errors import SessionCheckUnavailable
from apps.users.models import User, UserSession
from apps.users.orcid.services import OrcidLinked, orcid_complete
from apps.users.sessions import (
    MODEL_BACKEND,
    SESSION_ID_KEY,
    IssuedSession,
    auth_mode,
    cookie_session_identity,
    session_touch,
)
from apps.users.sms_login import sms_login
from apps.users.throttles import login_failures_limited
from apps.users.wechat.services import wechat_login_complete
from scholarnet.api.errors import NotFound

# When the bound platform session expires (ISO 8601): the Django session may outlive it when it
# is saved again later (each save renews the cookie's age), the platform session never does.
EXPIRES_KEY = "_scholarnet_sid_expires"
API_PREFIX = "/api/"


class SecondFactorRequired(Exception):
    """The first factor is proven; the user has two-factor sign-in, so no session exists yet."""

    def __init__(self, challenge: str) -> None:
        super().__init__("second factor required")
        self.challenge = challenge


def _mfa_services() -> Any | None:
    # Two-factor sign-in (apps.users.mfa), where the users app has it: every sign-in then ends
    # in its sign_in(), which answers a challenge instead of a session for an enrolled user.
    try:
        return importlib.import_module("apps.users.mfa.services")
    except ImportError:
        return None


def _platform_sign_in(request: HttpRequest, user: User) -> Any:
    mfa = _mfa_services()
    if mfa is not None:
        return mfa.sign_in(user=user, request=request)
    return services.session_start(user=user, request=request)


def _bind(request: HttpRequest, issued: Any) -> User:
    """Put the started platform session into this browser's Django session."""
    if not isinstance(issued, IssuedSession):
        raise SecondFactorRequired(str(getattr(issued, "challenge", "")))
    session = issued.session
    user = session.user
    if auth_mode() != UserSession.Kind.COOKIE or request.session.get(SESSION_ID_KEY) != str(
        session.sid
    ):
        # JWT mode: session_start recorded the session and issued tokens the page does not
        # need; the browser gets the cookie instead. (Cookie mode has already logged in.)
        django_login(request, user, backend=MODEL_BACKEND)
        request.session[SESSION_ID_KEY] = str(session.sid)
    request.session[EXPIRES_KEY] = session.expires_at.isoformat()
    return user


def sign_in(request: HttpRequest, *, user: User) -> User:
    """Start a platform session for ``user``, whose first factor is proven (or who just
    registered); :class:`SecondFactorRequired` when the user has two-factor sign-in."""
    return _bind(request, _platform_sign_in(request, user))


def sign_in_with_second_factor(request: HttpRequest, *, challenge: str, code: str) -> User:
    """Finish a sign-in that answered :class:`SecondFactorRequired` (the API's 2fa/verify)."""
    mfa = _mfa_services()
    if mfa is None:
        raise NotFound("Two-factor sign-in is not available.")
    return _bind(request, mfa.mfa_verify(challenge=challenge, code=code, request=request))


def sign_in_with_password(request: HttpRequest, *, email: str, password: str) -> User:
    """As ``POST /api/v1/auth/login``: the same failure budget around the same check."""
    with login_failures_limited(email=email, request=request):
        user = services.user_authenticate(email=email, password=password)
    return sign_in(request, user=user)


def sign_in_with_sms_code(request: HttpRequest, *, phone: str, code: str) -> User:
    return _bind(request, sms_login(phone=phone, code=code, request=request))


def sign_in_with_wechat(request: HttpRequest, *, code: str, state: str) -> User:
    return _bind(request, wechat_login_complete(request=request, code=code, received_state=state))


def orcid_callback_complete(
    request: HttpRequest, *, code: str, state: str, redirect_uri: str
) -> tuple[User, bool]:
    """Finish an ORCID attempt started by the pages: ``(user, True)`` when it linked the iD to
    the account that started it, ``(user, False)`` when it signed this browser in."""
    result = orcid_complete(
        request=request, code=code, received_state=state, redirect_uri=redirect_uri
    )
    if isinstance(result, OrcidLinked):
        return result.user, True
    return _bind(request, result), False


def current_session_id(request: HttpRequest) -> str | None:
    identity = cookie_session_identity(request)
    return identity[1] if identity else None


def sign_out(request: HttpRequest) -> None:
    """Revoke this browser's platform session and end its Django session."""
    session_id = current_session_id(request)
    if session_id and request.user.is_authenticated:
        services.session_logout(user=request.user, session_id=session_id, request=request)
    django_logout(request)


def safe_next(request: HttpRequest, candidate: str | None, default: str = "/") -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _expired(request: HttpRequest) -> bool:
    raw = request.session.get(EXPIRES_KEY)
    if not raw:
        return False
    try:
        return datetime.fromisoformat(raw) <= timezone.now()
    except (TypeError, ValueError):
        return True


class PlatformSessionMiddleware:
    """Log the web session out once its platform session is revoked or expired.

    Goes right after ``AuthenticationMiddleware``. Skips ``/api/`` (DRF authenticates those
    itself) and requests without the session cookie, so neither pays anything. A Redis outage is
    answered 503 with ``Retry-After``, as the API answers it: a revoked session cannot be told
    from a live one then, and signing everyone out over a blip would be worse.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX) or (
            settings.SESSION_COOKIE_NAME not in request.COOKIES
        ):
            return self.get_response(request)
        identity = cookie_session_identity(request)
        if identity is not None:
            session_id = identity[1]
            try:
                state = revocation.session_state_get(session_id)
            except SessionCheckUnavailable as error:
                response = HttpResponse(error.detail, status=503, content_type="text/plain")
                response["Retry-After"] = str(error.retry_after)
                return response
            if state.revoked or _expired(request):
                django_logout(request)
            elif state.due_for_last_seen:
                session_touch(session_id=session_id)
        return self.get_response(request)


def sign_in_test_client(client: Any, user: User) -> None:
    """Sign a Django test client in as ``user`` the way the login page does (for tests)."""
    from django.test import RequestFactory

    engine = importlib.import_module(settings.SESSION_ENGINE)
    request = RequestFactory().get("/login/", HTTP_USER_AGENT="test client")
    request.session = engine.SessionStore()
    sign_in(request, user=user)
    request.session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
