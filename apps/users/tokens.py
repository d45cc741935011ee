"""JWTs of a session, signed with ``JWT_SIGNING_KEY`` (falling back to ``SECRET_KEY``).

Both tokens carry the user id and the session id (``sid``). The refresh token also carries its
generation (``gen``) for rotation; the access token carries a hash of the User-Agent it was
issued to (``uah``). Lifetimes come from ``SIMPLE_JWT``. The key and lifetimes are read when a
token is made, never at import, so nothing secret is baked into code or module state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.conf import settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import ExpiredTokenError, TokenError
from rest_framework_simplejwt.tokens import Token

from apps.users.errors import TokenExpired, TokenInvalid

ALGORITHM = "HS256"


def access_lifetime() -> timedelta:
    return settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]


def refresh_lifetime() -> timedelta:
    return settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]


def user_agent_hash(user_agent: str) -> str:
    return hashlib.sha256(user_agent.encode("utf-8", "replace")).hexdigest()[:32]


@lru_cache(maxsize=4)
def _backend(signing_key: str) -> TokenBackend:
    return TokenBackend(ALGORITHM, signing_key)


class _SessionToken(Token):
    def get_token_backend(self) -> TokenBackend:
        return _backend(settings.JWT_SIGNING_KEY or settings.SECRET_KEY)


class SessionAccessToken(_SessionToken):
    token_type = "access"  # noqa: S105 - a claim value, not a secret

    @property
    def lifetime(self) -> timedelta:  # type: ignore[override]
        return access_lifetime()


class SessionRefreshToken(_SessionToken):
    token_type = "refresh"  # noqa: S105 - a claim value, not a secret

    @property
    def lifetime(self) -> timedelta:  # type: ignore[override]
        return refresh_lifetime()


@dataclass(frozen=True, slots=True)
class TokenPair:
    access: str
    refresh: str


def token_pair_issue(
    *, user_id: int, session_id: str, generation: int, user_agent: str
) -> TokenPair:
    refresh = SessionRefreshToken()
    refresh.payload.update(user_id=str(user_id), sid=session_id, gen=generation)
    access = SessionAccessToken()
    access.payload.update(user_id=str(user_id), sid=session_id, uah=user_agent_hash(user_agent))
    return TokenPair(access=str(access), refresh=str(refresh))


def _decode(token_class: type[_SessionToken], raw: str) -> dict[str, Any]:
    try:
        payload = token_class(raw).payload  # type: ignore[arg-type]
    except ExpiredTokenError as error:
        raise TokenExpired() from error
    except TokenError as error:
        raise TokenInvalid() from error
    if not all(payload.get(claim) for claim in ("user_id", "sid")):
        raise TokenInvalid()
    return payload


def access_token_decode(raw: str) -> dict[str, Any]:
    return _decode(SessionAccessToken, raw)


def refresh_token_decode(raw: str) -> dict[str, Any]:
    payload = _decode(SessionRefreshToken, raw)
    if not isinstance(payload.get("gen"), int):
        raise TokenInvalid()
    return payload
