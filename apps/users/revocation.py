"""The Redis side of sessions: which session ids are revoked, and when each was last seen.

Redis holds only revoked session ids (``<prefix>:revoked:session:<sid>``), each for the refresh
lifetime: no token of a session outlives that, so the key can expire with it. The database row
(``UserSession.revoked_at``) is the source of truth; ``users_resync_revocations`` rebuilds the
keys from it.

Every authenticated request makes one round trip here: is the session revoked, and (in the same
pipeline) has it been seen within the last minute. A Redis error fails closed: the request is
refused with ``session_check_unavailable``, because a revoked session cannot be told from a live
one; it is a 503 with ``Retry-After``, never a 401, so clients retry instead of signing their user
out, and a refresh made meanwhile spends nothing. A circuit breaker answers that at once after a
failure instead of paying a connect timeout on every request.

Whether a session exists is *not* checked per request, by design. Every token is signed with
``JWT_SIGNING_KEY`` and names the session it was issued for, so a token naming a session that
never existed can only be made by someone holding that key, against whom no per-request check
helps (they can name a real session as well). What is checked: the refresh path loads the
``UserSession`` row (the source of truth) and refuses an unknown one with ``token_invalid``, so
such a token dies with its access lifetime (30 minutes); every request loads the user, so a
deleted or deactivated account is refused at once. A Redis set of live session ids would cost a
rebuild after every Redis loss (or sign everyone out) for no gain against a leaked key; rotate the
key instead, which ends every session at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import redis
from django.conf import settings
from django_redis import get_redis_connection

from apps.users.errors import SessionCheckUnavailable, SessionRevokeUnavailable
from apps.users.tokens import refresh_lifetime
from apps.users.user_cache import user_version_key
from scholarnet.cache.breaker import CircuitBreaker

logger = logging.getLogger(__name__)

_REDIS_FAILURES = (redis.RedisError, OSError)
LAST_SEEN_INTERVAL_SECONDS = 60

_breaker = CircuitBreaker()


def _key_prefix() -> str:
    return settings.CACHES["default"].get("KEY_PREFIX") or "sn"


def revoked_key(session_id: str) -> str:
    return f"{_key_prefix()}:revoked:session:{session_id}"


def seen_key(session_id: str) -> str:
    return f"{_key_prefix()}:seen:session:{session_id}"


def _client() -> redis.Redis:
    return get_redis_connection("default")


@dataclass(frozen=True, slots=True)
class SessionState:
    revoked: bool
    # True at most once a minute per session: the caller then records last_seen_at.
    due_for_last_seen: bool
    # The user's version token (apps.users.user_cache), read in the same round trip when the
    # caller names the user; None when it did not, or when the user has no token yet.
    user_version: str | None = None


def session_state_get(session_id: str, *, user_id: str | int | None = None) -> SessionState:
    """Raises ``SessionCheckUnavailable`` when Redis cannot answer."""
    if not _breaker.allow():
        raise SessionCheckUnavailable()
    try:
        pipe = _client().pipeline(transaction=False)
        pipe.exists(revoked_key(session_id))
        pipe.set(seen_key(session_id), 1, nx=True, ex=LAST_SEEN_INTERVAL_SECONDS)
        if user_id is not None:
            pipe.get(user_version_key(user_id))
        revoked, first_this_minute, *version = pipe.execute()
    except _REDIS_FAILURES as error:
        _breaker.record_failure()
        logger.warning("session revocation check failed", extra={"error": str(error)})
        raise SessionCheckUnavailable() from error
    _breaker.record_success()
    token = version[0] if version else None
    return SessionState(
        revoked=bool(revoked),
        due_for_last_seen=bool(first_this_minute),
        user_version=token.decode() if isinstance(token, bytes) else token,
    )


def sessions_check_available() -> None:
    """Raise ``SessionCheckUnavailable`` unless Redis answers.

    A cookie session whose data cannot be read looks like no session at all (Django's cache
    session store swallows the error); this tells the two apart.
    """
    if not _breaker.allow():
        raise SessionCheckUnavailable()
    try:
        _client().ping()
    except _REDIS_FAILURES as error:
        _breaker.record_failure()
        raise SessionCheckUnavailable() from error
    _breaker.record_success()


def session_is_revoked(session_id: str) -> bool:
    return session_state_get(session_id).revoked


def session_mark_seen(session_id: str) -> None:
    """A new session was just recorded as seen; skip the next minute's update. Best effort."""
    try:
        _client().set(seen_key(session_id), 1, ex=LAST_SEEN_INTERVAL_SECONDS)
    except _REDIS_FAILURES as error:
        logger.warning("could not record a session as seen", extra={"error": str(error)})


def sessions_mark_revoked(session_ids: Iterable[str]) -> None:
    """Raises ``SessionRevokeUnavailable`` when Redis cannot store the revocation."""
    ids = list(session_ids)
    if not ids:
        return
    ttl = int(refresh_lifetime().total_seconds())
    try:
        pipe = _client().pipeline(transaction=False)
        for session_id in ids:
            pipe.set(revoked_key(session_id), 1, ex=ttl)
        pipe.execute()
    except _REDIS_FAILURES as error:
        logger.error("could not store revoked sessions", extra={"count": len(ids)})
        raise SessionRevokeUnavailable() from error
    _breaker.record_success()


def reset_breaker() -> None:
    _breaker.reset()
