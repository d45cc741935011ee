"""JWTs of a session, signed with ``JWT_SIGNING_KEY`` (falling back to ``SECRET_KEY``).

Both tokens carry the user id and the session id (``sid``). The refresh token also carries its
generation (``gen``) for rotation; the access token carries a hash of the User-Agent it was
issued to (``uah``). Lifetimes come from ``SIMPLE_JWT``. The key and lifetimes are read when a
token is made, never at import, so nothing secret is baked into code or module state.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections import OrderedDict
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
# A user id as issued: the decimal primary key, no sign, no leading zero, fits a BIGINT.
USER_ID_CLAIM = re.compile(r"[1-9][0-9]{0,17}")


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
    except (TypeError, ValueError, OverflowError) as error:
        # simplejwt trusts a signed claim's type: an "exp" of 1e30 overflows the datetime.
        raise TokenInvalid() from error
    claims = dict(payload.items())
    claims["user_id"] = _user_id_claim(claims.get("user_id"))
    claims["sid"] = _session_id_claim(claims.get("sid"))
    return claims


def _user_id_claim(value: object) -> str:
    # Issued as str(pk); anything else (a number, "x", "-1", 30 digits) was never issued by us.
    if not isinstance(value, str) or not USER_ID_CLAIM.fullmatch(value):
        raise TokenInvalid()
    return value


def _session_id_claim(value: object) -> str:
    if not isinstance(value, str):
        raise TokenInvalid()
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise TokenInvalid() from None


class _VerifiedAccessTokens:
    """Access tokens this process has verified, until they expire: ``(key, raw) → claims``.

    A client sends the same access token with every request for its lifetime, and verifying it
    (signature, claims) is a fixed cost per request. A token once verified under a key stays
    valid under that key until its ``exp``, so the claims are kept until then, keyed by the
    signing key as well (a new key verifies nothing old). Bounded; least recently used first out.
    """

    SIZE = 10_000

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> dict[str, Any] | None:
        with self._lock:
            claims = self._entries.get(key)
            if claims is None:
                return None
            if claims["exp"] <= time.time():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        return dict(claims)

    def put(self, key: tuple[str, str], claims: dict[str, Any]) -> None:
        if not isinstance(claims.get("exp"), int | float):
            return
        with self._lock:
            self._entries[key] = dict(claims)
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_verified_access_tokens = _VerifiedAccessTokens()


def access_token_decode(raw: str) -> dict[str, Any]:
    """A valid access token's claims, ``user_id`` and ``sid`` checked; else ``TokenInvalid``."""
    key = (settings.JWT_SIGNING_KEY or settings.SECRET_KEY, raw)
    claims = _verified_access_tokens.get(key)
    if claims is not None:
        return claims
    claims = _decode(SessionAccessToken, raw)
    if not isinstance(claims.get("uah", ""), str):
        raise TokenInvalid()
    _verified_access_tokens.put(key, claims)
    return claims


def refresh_token_decode(raw: str) -> dict[str, Any]:
    claims = _decode(SessionRefreshToken, raw)
    generation = claims.get("gen")
    # bool is an int to Python; a generation is a plain non-negative int.
    if type(generation) is not int or generation < 0:
        raise TokenInvalid()
    return claims
