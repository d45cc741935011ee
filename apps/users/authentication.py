"""DRF authentication for both session modes (``AUTH_MODE``).

JWT mode reads ``Authorization: Bearer <access>``; cookie mode reads the Django session in the
``ssid`` cookie. After that both do the same: refuse a revoked session (one Redis round trip,
failing closed with 503 ``session_check_unavailable`` and ``Retry-After`` when Redis is down),
take the user from the process while its version token in Redis (read in that same round trip)
is unchanged, else load it by primary key (``apps.users.user_cache``; a deactivated account is
refused at once) and, at most once a minute, record the session as seen.

Cookie mode keeps CSRF protection for unsafe methods, as DRF's ``SessionAuthentication`` does:
the browser sends the cookie on its own, so a cross-site form could otherwise act as the user.
Clients send the ``csrftoken`` cookie's value (set at sign-in) in the ``X-CSRFToken`` header.
JWT mode needs no CSRF check: a browser never adds the ``Authorization`` header by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import constant_time_compare
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.request import Request

from apps.users import revocation
from apps.users.errors import (
    SessionCheckUnavailable,
    SessionRevoked,
    TokenExpired,
    TokenInvalid,
    TokenUserAgentMismatch,
    UserInactive,
)
from apps.users.models import User, UserSession
from apps.users.selectors import user_get_for_authentication
from apps.users.sessions import auth_mode, cookie_session_identity, session_touch
from apps.users.tokens import access_token_decode, user_agent_hash
from apps.users.user_cache import user_for_session
from scholarnet.api.errors import ApplicationError, ServiceUnavailable

BEARER = "bearer"


@dataclass(frozen=True, slots=True)
class SessionAuth:
    """``request.auth`` of an authenticated request: which session it belongs to."""

    session_id: str
    kind: str


def _failed(error: ApplicationError) -> exceptions.AuthenticationFailed:
    # DRF only turns APIExceptions raised here into a 401 (and marks the request anonymous).
    return exceptions.AuthenticationFailed(error.detail, code=error.code)


class ScholarNetAuthentication(BaseAuthentication):
    # What bad credentials are answered, listed in the OpenAPI schema of every endpoint that
    # authenticates (scholarnet.api.schema.AutoSchema); csrf_failed is cookie mode's.
    errors = (
        TokenInvalid,
        TokenExpired,
        TokenUserAgentMismatch,
        SessionRevoked,
        UserInactive,
        SessionCheckUnavailable,
        exceptions.PermissionDenied(code="csrf_failed"),
    )

    def authenticate(self, request: Request) -> tuple[User, SessionAuth] | None:
        try:
            if auth_mode() == UserSession.Kind.COOKIE:
                return self._authenticate_cookie(request)
            return self._authenticate_bearer(request)
        except ServiceUnavailable:
            # The credentials may be fine; only the check is missing. A 503 keeps clients from
            # signing their user out over a Redis blip (a 401 would).
            raise
        except ApplicationError as error:
            raise _failed(error) from error

    def authenticate_header(self, request: Request) -> str:
        # A WWW-Authenticate header is what makes DRF answer 401 rather than 403.
        if auth_mode() == UserSession.Kind.COOKIE:
            return 'Session realm="api"'
        return 'Bearer realm="api"'

    def _authenticate_bearer(self, request: Request) -> tuple[User, SessionAuth] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != BEARER or not raw.strip():
            return None
        claims = access_token_decode(raw.strip())
        if settings.JWT_BIND_USER_AGENT and not constant_time_compare(
            claims.get("uah", ""), user_agent_hash(request.META.get("HTTP_USER_AGENT", ""))
        ):
            raise TokenUserAgentMismatch()
        user = self._active_session_user(user_id=claims["user_id"], session_id=claims["sid"])
        return user, SessionAuth(session_id=claims["sid"], kind=UserSession.Kind.JWT)

    def _authenticate_cookie(self, request: Request) -> tuple[User, SessionAuth] | None:
        identity = cookie_session_identity(request)
        if identity is None:
            if settings.SESSION_COOKIE_NAME in request.COOKIES:
                revocation.sessions_check_available()  # unreadable, or just ended?
            return None
        user_id, session_id, password_digest = identity
        user = self._active_session_user(user_id=user_id, session_id=session_id)
        # Like Django's own session login: changing the password ends cookie sessions.
        if not constant_time_compare(password_digest, user.get_session_auth_hash()):
            raise SessionRevoked()
        self._enforce_csrf(request)
        return user, SessionAuth(session_id=session_id, kind=UserSession.Kind.COOKIE)

    def _enforce_csrf(self, request: Request) -> None:
        try:
            SessionAuthentication().enforce_csrf(request)
        except exceptions.PermissionDenied as error:
            raise exceptions.PermissionDenied(str(error.detail), code="csrf_failed") from error

    def _active_session_user(self, *, user_id: str, session_id: str) -> User:
        state = revocation.session_state_get(session_id, user_id=user_id)
        if state.revoked:
            raise SessionRevoked()
        user = user_for_session(
            user_id=user_id, version=state.user_version, load=user_get_for_authentication
        )
        if user is None or not user.is_active:
            raise UserInactive()
        if state.due_for_last_seen:
            session_touch(session_id=session_id)
        return user
