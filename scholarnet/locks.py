"""A Redis lock for work that exactly one process may do at a time (Celery beat jobs).

The lock is a key set with ``SET NX PX`` to a random token. Only the holder of the token may
release or extend it (compare-and-delete / compare-and-pexpire in Lua), so a process whose lock
expired can never remove the lock a successor now holds. While held, a daemon thread renews the
expiry every ``ttl/3``; if a renewal finds the key gone or owned by someone else, or Redis has not
answered for a whole TTL, the lock is flagged :attr:`RedisLock.lost` so long work can stop.

``@single_runner()`` wraps a task: when another process holds the lock the call is skipped and
returns ``None``; otherwise the body runs under an auto-refreshed lock that is released after.
"""

from __future__ import annotations

import functools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_EXTEND_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class LockNotAcquired(Exception):
    pass


class RedisLock:
    def __init__(
        self,
        name: str,
        *,
        ttl_seconds: float,
        redis: redis.Redis | None = None,
        auto_refresh: bool = True,
        blocking_timeout: float | None = None,
    ) -> None:
        if ttl_seconds <= 0:
            raise ValueError("ttl_seconds must be positive")
        self.name = name
        self.key = f"{_key_prefix()}:lock:{name}"
        self.ttl_seconds = ttl_seconds
        self.auto_refresh = auto_refresh
        self.blocking_timeout = blocking_timeout  # for ``with``: None waits as long as it takes
        self._redis = redis
        self._token: str | None = None
        self._lost = threading.Event()
        self._stop_refresh = threading.Event()
        self._refresher: threading.Thread | None = None

    @property
    def held(self) -> bool:
        """Acquired by this instance, not released, and not known to be lost."""
        return self._token is not None and not self._lost.is_set()

    @property
    def lost(self) -> bool:
        """A renewal found the lock expired or taken over while this instance held it."""
        return self._lost.is_set()

    def acquire(self, *, blocking: bool = False, timeout: float | None = None) -> bool:
        if self._token is not None:
            raise RuntimeError(f"lock {self.name!r} is already held by this instance")
        token = secrets.token_hex(16)
        deadline = None if timeout is None else time.monotonic() + timeout
        pause = 0.01
        while not self._client().set(self.key, token, nx=True, px=self._ttl_ms()):
            remaining = None if deadline is None else deadline - time.monotonic()
            if not blocking or (remaining is not None and remaining <= 0):
                return False
            time.sleep(pause if remaining is None else min(pause, remaining))
            pause = min(pause * 2, 0.2)
        self._token = token
        self._lost.clear()
        if self.auto_refresh:
            self._start_refresher(token)
        return True

    def release(self) -> bool:
        """Give the lock up; True when it was still ours (False: it expired or was taken)."""
        token = self._token
        if token is None:
            return False
        self._stop_refresher()
        self._token = None
        released = bool(self._client().register_script(_RELEASE_SCRIPT)([self.key], [token]))
        if not released:
            self._lost.set()
        return released

    def extend(self, ttl_seconds: float | None = None) -> bool:
        """Reset the expiry to ``ttl_seconds`` (default: the lock's TTL) if the lock is ours."""
        if self._token is None:
            return False
        ms = int((ttl_seconds or self.ttl_seconds) * 1000)
        if self._extend(self._token, ms):
            return True
        self._lost.set()
        return False

    def __enter__(self) -> RedisLock:
        if not self.acquire(blocking=True, timeout=self.blocking_timeout):
            raise LockNotAcquired(self.name)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    # --- internals ---------------------------------------------------------------------------

    def _extend(self, token: str, ms: int) -> bool:
        script = self._client().register_script(_EXTEND_SCRIPT)
        return bool(script([self.key], [token, ms]))

    def _start_refresher(self, token: str) -> None:
        self._stop_refresh = threading.Event()
        self._refresher = threading.Thread(
            target=self._refresh_until_stopped,
            args=(token, self._stop_refresh),
            name=f"lock-refresh:{self.name}",
            daemon=True,
        )
        self._refresher.start()

    def _stop_refresher(self) -> None:
        self._stop_refresh.set()
        refresher, self._refresher = self._refresher, None
        if refresher is not None and refresher is not threading.current_thread():
            refresher.join()

    def _refresh_until_stopped(self, token: str, stop: threading.Event) -> None:
        # The token is passed in, not read from self: a refresher that outlives its hold must
        # never extend a later acquisition.
        last_renewed = time.monotonic()
        while not stop.wait(self.ttl_seconds / 3):
            try:
                if not self._extend(token, self._ttl_ms()):
                    self._flag_lost("the lock expired or was taken over")
                    return
                last_renewed = time.monotonic()
            except (redis.RedisError, OSError) as error:
                if time.monotonic() - last_renewed >= self.ttl_seconds:
                    self._flag_lost(f"Redis unreachable for a whole TTL ({error!r})")
                    return

    def _flag_lost(self, reason: str) -> None:
        self._lost.set()
        logger.warning("lock %s lost: %s", self.name, reason)

    def _ttl_ms(self) -> int:
        return max(1, int(self.ttl_seconds * 1000))

    def _client(self) -> redis.Redis:
        if self._redis is None:
            from django_redis import get_redis_connection

            self._redis = get_redis_connection("default")
        return self._redis


def single_runner(
    name: str | None = None, *, ttl_seconds: float = 60
) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """Run the decorated function only if no other process is running it; else return None."""

    def decorate(func: Callable[P, R]) -> Callable[P, R | None]:
        lock_name = name or f"{func.__module__}.{func.__qualname__}"

        @functools.wraps(func)
        def run_alone(*args: P.args, **kwargs: P.kwargs) -> R | None:
            lock = RedisLock(lock_name, ttl_seconds=ttl_seconds)
            try:
                acquired = lock.acquire()
            except (redis.RedisError, OSError) as error:
                # Without Redis nobody can prove they run alone; the next schedule will retry.
                logger.warning("skipping %s: lock unavailable (%r)", lock_name, error)
                return None
            if not acquired:
                logger.info("skipping %s: already running elsewhere", lock_name)
                return None
            try:
                return func(*args, **kwargs)
            finally:
                _release_quietly(lock)

        return run_alone

    return decorate


def _release_quietly(lock: RedisLock) -> None:
    try:
        still_ours = lock.release()
    except (redis.RedisError, OSError) as error:
        logger.warning("could not release lock %s (%r); it expires on its own", lock.name, error)
        return
    if not still_ours:
        logger.error(
            "lock %s was lost while its job ran; another runner may have overlapped", lock.name
        )


def _key_prefix() -> str:
    return str(settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "sn")
