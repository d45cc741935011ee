"""Sessions: sign-in, refresh-token rotation, sign-out and revocation, in either auth mode.

``AUTH_MODE`` picks how a session reaches the client:

* ``"jwt"``: an access token (30 min) and a refresh token (7 days), both carrying the session id.
  Each refresh rotates the refresh token; using a refresh token a second time revokes the session.
* ``"cookie"``: a Django session (stored in Redis) in the ``ssid`` cookie, holding the same
  session id. No refresh tokens; the session lasts the refresh lifetime.

Either way a ``UserSession`` row records the device, and revocation (sign-out, a session deleted
from the list, refresh reuse, deactivation) is written to that row and to Redis, which every
request checks.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from apps.users import revocation
from apps.users.errors import (
    RefreshReused,
    SessionRevoked,
    SessionRevokeUnavailable,
    TokenInvalid,
    UserInactive,
)
from apps.users.models import User, UserSession
from apps.users.tokens import refresh_lifetime, refresh_token_decode, token_pair_issue
from apps.users.user_cache import user_version_bump
from scholarnet.api.errors import NotFound
from scholarnet.ratelimit.ident import client_ip

logger = logging.getLogger(__name__)

# Where a cookie session keeps its UserSession id, beside Django's own auth keys.
SESSION_ID_KEY = "_scholarnet_sid"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def auth_mode() -> str:
    return settings.AUTH_MODE


@dataclass(frozen=True, slots=True)
class IssuedSession:
    """A started or refreshed session; the tokens are None in cookie mode."""

    session: UserSession
    access: str | None = None
    refresh: str | None = None


def _http_request(request: HttpRequest) -> HttpRequest:
    # Accept a DRF Request as well as Django's: both callers exist.
    return getattr(request, "_request", request)


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request) or None


def _tokens_for(session: UserSession, *, user_agent: str) -> IssuedSession:
    pair = token_pair_issue(
        user_id=session.user_id,
        session_id=str(session.sid),
        generation=session.refresh_generation,
        user_agent=user_agent,
    )
    return IssuedSession(session=session, access=pair.access, refresh=pair.refresh)


def session_start(*, user: User, request: HttpRequest) -> IssuedSession:
    """Sign ``user`` in on this device: record the session and hand out its credentials."""
    if not user.is_active:
        raise UserInactive()
    http_request = _http_request(request)
    now = timezone.now()
    session = UserSession.objects.create(
        user=user,
        kind=auth_mode(),
        user_agent=_user_agent(http_request)[:512],
        ip=_client_ip(http_request),
        created_at=now,
        last_seen_at=now,
        expires_at=now + refresh_lifetime(),
    )
    revocation.session_mark_seen(str(session.sid))
    if auth_mode() == UserSession.Kind.COOKIE:
        django_login(http_request, user, backend=MODEL_BACKEND)  # also sets last_login
        http_request.session[SESSION_ID_KEY] = str(session.sid)
        return IssuedSession(session=session)
    User.objects.filter(pk=user.pk).update(last_login=now)
    user_version_bump(user.pk)  # a queryset update sends no signal
    return _tokens_for(session, user_agent=_user_agent(http_request))


def _rotate(*, claims: dict, now: datetime) -> tuple[UserSession | None, bool]:
    """Advance the session's refresh generation; (session, False) or (session, True) on reuse."""
    with transaction.atomic():
        session = (
            UserSession.objects.select_for_update()
            .filter(sid=claims["sid"], user_id=claims["user_id"])
            .first()
        )
        if session is None or session.revoked_at is not None:
            return session, False
        if session.refresh_generation != claims["gen"]:
            session.revoked_at = now
            session.save(update_fields=["revoked_at"])
            return session, True
        session.refresh_generation += 1
        session.last_seen_at = now
        session.expires_at = now + refresh_lifetime()
        session.save(update_fields=["refresh_generation", "last_seen_at", "expires_at"])
        return session, False


def session_refresh(*, refresh_token: str, request: HttpRequest) -> IssuedSession:
    """Exchange a refresh token for a new pair; the presented token is then spent."""
    claims = refresh_token_decode(refresh_token)
    if revocation.session_is_revoked(claims["sid"]):
        raise SessionRevoked()
    session, reused = _rotate(claims=claims, now=timezone.now())
    if session is None:
        raise TokenInvalid()
    if reused:
        _mirror_revocation([str(session.sid)], strict=False)
        logger.warning("refresh token reused; session revoked", extra={"sid": str(session.sid)})
        raise RefreshReused()
    if session.revoked_at is not None:
        raise SessionRevoked()
    if not session.user.is_active:
        raise UserInactive()
    return _tokens_for(session, user_agent=_user_agent(_http_request(request)))


def _mirror_revocation(session_ids: list[str], *, strict: bool) -> None:
    # The database row is already revoked (the source of truth, and what refresh checks). Redis
    # is what access tokens are checked against; if it cannot be written, a strict caller gets a
    # 503 and retries (revocation is idempotent); the others log it.
    try:
        revocation.sessions_mark_revoked(session_ids)
    except SessionRevokeUnavailable:
        if strict:
            raise
        logger.error("revoked sessions not mirrored to Redis", extra={"count": len(session_ids)})


def _sessions_revoke(sessions: list[UserSession]) -> None:
    now = timezone.now()
    UserSession.objects.filter(
        pk__in=[session.pk for session in sessions], revoked_at__isnull=True
    ).update(revoked_at=now)
    for session in sessions:
        session.revoked_at = session.revoked_at or now
    _mirror_revocation([str(session.sid) for session in sessions], strict=True)


def session_revoke(*, user: User, session_id: uuid.UUID | str) -> None:
    """Revoke one of ``user``'s sessions (idempotent); someone else's session is not found."""
    try:
        session_uuid = uuid.UUID(str(session_id))
    except ValueError:
        raise NotFound("Session not found.") from None
    session = UserSession.objects.filter(user=user, sid=session_uuid).first()
    if session is None:
        raise NotFound("Session not found.")
    _sessions_revoke([session])


def sessions_revoke_all(*, user: User) -> int:
    sessions = list(UserSession.objects.filter(user=user, revoked_at__isnull=True))
    if sessions:
        _sessions_revoke(sessions)
    return len(sessions)


def session_logout(*, user: User, session_id: str, request: HttpRequest) -> None:
    """Sign out the session making the request: its access and refresh stop working at once."""
    session_revoke(user=user, session_id=session_id)
    if auth_mode() == UserSession.Kind.COOKIE:
        django_logout(_http_request(request))


def session_touch(*, session_id: str) -> None:
    """Record activity; callers do this at most once a minute per session."""
    UserSession.objects.filter(sid=session_id).update(last_seen_at=timezone.now())


def cookie_session_identity(request: HttpRequest) -> tuple[str, str, str] | None:
    """(user id, session id, password hash digest) from a cookie session, or None."""
    data = _http_request(request).session
    user_id, session_id = data.get(SESSION_KEY), data.get(SESSION_ID_KEY)
    if not user_id or not session_id or data.get(BACKEND_SESSION_KEY) != MODEL_BACKEND:
        return None
    return str(user_id), str(session_id), str(data.get(HASH_SESSION_KEY, ""))
