"""Sign-in challenges: ``mfa:challenge:<id>`` → ``<user id>:<User-Agent digest>`` with a TTL.

The password (or code) step proved the first factor; the challenge carries that proof to the
second step for ``MFA_CHALLENGE_TTL`` seconds, for the same client only. It is read to check the
code and deleted once the code is right: of two concurrent verifications only the one whose
DELETE removed the key goes on, so a challenge starts one session at most.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import HttpRequest
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from apps.users.errors import MfaChallengeInvalid, MfaUnavailable
from apps.users.tokens import user_agent_hash

PREFIX = "mfa:challenge:"


def challenge_key(challenge: str) -> str:
    return PREFIX + challenge


def _user_agent_digest(request: HttpRequest) -> str:
    return user_agent_hash(request.META.get("HTTP_USER_AGENT", ""))


def challenge_issue(*, user_id: int, request: HttpRequest) -> str:
    challenge = secrets.token_urlsafe(32)
    value = f"{user_id}:{_user_agent_digest(request)}"
    try:
        get_redis_connection("default").set(
            challenge_key(challenge), value, ex=settings.MFA_CHALLENGE_TTL
        )
    except RedisError as error:
        raise MfaUnavailable() from error
    return challenge


def challenge_user_id(*, challenge: str, request: HttpRequest) -> int:
    """The user a live challenge of this client belongs to; else ``MfaChallengeInvalid``."""
    try:
        value = get_redis_connection("default").get(challenge_key(challenge))
    except RedisError as error:
        raise MfaUnavailable() from error
    if value is None:
        raise MfaChallengeInvalid()
    user_id, _, agent = (value.decode() if isinstance(value, bytes) else value).partition(":")
    if not secrets.compare_digest(agent, _user_agent_digest(request)):
        raise MfaChallengeInvalid()
    return int(user_id)


def challenge_consume(*, challenge: str) -> None:
    """Raises ``MfaChallengeInvalid`` when another request used the challenge first."""
    try:
        removed = get_redis_connection("default").delete(challenge_key(challenge))
    except RedisError as error:
        raise MfaUnavailable() from error
    if not removed:
        raise MfaChallengeInvalid()
