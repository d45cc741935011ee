"""The signed-in request's user from the process, checked against a version in Redis.

Every authenticated request used to load its user by primary key: the one query that lets a
deactivation take effect at once. The same answer now costs no query. Each user has a version
token in Redis (``<prefix>:user:version:<id>``, a random string). The session check reads it
in the pipeline it already sends (``revocation.session_state_get``), so the read costs no extra
round trip. The process keeps the user it last loaded, with the token it saw then, and uses that
copy only while Redis still holds the same token.

A change to a user gives it a new token: every ``save()`` and ``delete()`` (signals), and the
few queryset updates of the users app (``user_version_bump``). The token is replaced as the
change is written and again when its transaction commits. The first covers tests and the change
itself; the second covers a request that loaded the old row between the two. A missing token
(a new user, or Redis lost its data) is never a hit: the user is loaded and a new token stored.
So a flushed Redis can never make an old copy match.

Copies are kept pickled, as the local cache tier keeps values: every request unpickles its own
instance, so a view that changes ``request.user`` never changes what the next request gets.
Entries live at most ``USERS_AUTH_CACHE_TTL`` seconds and ``USERS_AUTH_CACHE_SIZE`` of them per
process (least recently used first out); a TTL of 0 turns the cache off.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django_redis import get_redis_connection

from apps.users.models import User

logger = logging.getLogger(__name__)

_REDIS_FAILURES = (redis.RedisError, OSError)


def _key_prefix() -> str:
    return settings.CACHES["default"].get("KEY_PREFIX") or "sn"


def user_version_key(user_id: int | str) -> str:
    return f"{_key_prefix()}:user:version:{user_id}"


class _UserCopies:
    """A bounded LRU of ``user_id → (version token, pickled user, expiry)``."""

    def __init__(self) -> None:
        self._entries: OrderedDict[int, tuple[str, bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user_id: int, version: str) -> User | None:
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is None:
                return None
            token, payload, expires_at = entry
            if token != version or expires_at <= time.monotonic():
                del self._entries[user_id]
                return None
            self._entries.move_to_end(user_id)
        user: User = pickle.loads(payload)  # noqa: S301 - bytes this process pickled itself
        return user

    def put(self, user: User, version: str) -> None:
        ttl = settings.USERS_AUTH_CACHE_TTL
        if ttl <= 0:
            return
        payload = pickle.dumps(user, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            self._entries[user.pk] = (version, payload, time.monotonic() + ttl)
            self._entries.move_to_end(user.pk)
            while len(self._entries) > settings.USERS_AUTH_CACHE_SIZE:
                self._entries.popitem(last=False)

    def discard(self, user_id: int) -> None:
        with self._lock:
            self._entries.pop(user_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_copies = _UserCopies()


def user_for_session(*, user_id: int | str, version: str | None, load: Any) -> User | None:
    """The user ``user_id`` as of ``version`` (the token the session check read).

    ``load(user_id=...)`` is the database read used on a miss; ``None`` means no such user.
    """
    try:
        pk = int(user_id)
    except (TypeError, ValueError):
        return None
    if version is not None:
        user = _copies.get(pk, version)
        if user is not None:
            return user
    user = load(user_id=pk)
    if user is None:
        return None
    if version is None:
        version = _version_claim(pk)
    if version is not None:
        _copies.put(user, version)
    return user


def _version_claim(user_id: int) -> str | None:
    """Store a token for a user who has none; ``None`` if another process stored one first.

    The loser does not cache: its copy may predate the winner's token. Best effort: with Redis
    down the session check has already refused the request.
    """
    token = secrets.token_hex(8)
    try:
        stored = get_redis_connection("default").set(user_version_key(user_id), token, nx=True)
    except _REDIS_FAILURES as error:
        logger.warning("could not store a user version", extra={"error": str(error)})
        return None
    return token if stored else None


def _version_replace(user_id: int) -> None:
    _copies.discard(user_id)
    try:
        get_redis_connection("default").set(user_version_key(user_id), secrets.token_hex(8))
    except _REDIS_FAILURES as error:
        # Other processes keep their copy until it expires (USERS_AUTH_CACHE_TTL). A
        # deactivation also revokes the user's sessions, refused however the user is read.
        logger.error("could not replace a user version", extra={"error": str(error)})


def user_version_bump(user_id: int) -> None:
    """Every process must reload ``user_id``: now, and again when the transaction commits."""
    _version_replace(user_id)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _version_replace(user_id))


def _user_saved(sender: type[User], instance: User, **kwargs: Any) -> None:
    if instance.pk is not None:
        user_version_bump(instance.pk)


def signals_connect() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_user_saved, sender=User, dispatch_uid="users.user_cache.saved")
    post_delete.connect(_user_saved, sender=User, dispatch_uid="users.user_cache.deleted")


def user_cache_clear() -> None:
    """Forget every copy in this process (tests)."""
    _copies.clear()
