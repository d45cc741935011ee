"""A Redis lock for work that exactly one process may do at a time (Celery beat jobs).

Built on redis-py's :class:`redis.lock.Lock`, which owns the protocol: ``SET NX PX`` to a random
token, and Lua scripts that release or extend the key only while it still holds that token, so a
process whose lock expired can never remove or prolong the lock a successor now holds. On top of
it this module adds two things only:

- auto-refresh: while held, a daemon thread resets the expiry every ``ttl/3``; if a renewal finds
  the key gone or owned by someone else, or Redis has not answered for a whole TTL, the lock is
  flagged :attr:`RedisLock.lost` so long work can stop;
- ``@single_runner()``, which wraps a task: when another process holds the lock the call is
  skipped and returns ``None``; otherwise the body runs under an auto-refreshed lock that is
  released after.

Each acquisition gets a redis-py ``Lock`` of its own (its token not thread-local, since the
refresher thread renews it), so a refresher that outlives its hold can never renew a later one.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import ParamSpec, TypeVar

import redis
from django.conf import settings
from redis.exceptions import LockError
from redis.lock import Lock

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# Pause between attempts of a blocking acquire.
_RETRY_PAUSE = 0.02


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
        self._hold: Lock | None = None
        self._lost = threading.Event()
        self._stop_refresh = threading.Event()
        self._refresher: threading.Thread | None = None

    @property
    def held(self) -> bool:
        """Acquired by this instance, not released, and not known to be lost."""
        return self._hold is not None and not self._lost.is_set()

    @property
    def lost(self) -> bool:
        """A renewal found the lock expired or taken over while this instance held it."""
        return self._lost.is_set()

    def acquire(self, *, blocking: bool = False, timeout: float | None = None) -> bool:
        if self._hold is not None:
            raise RuntimeError(f"lock {self.name!r} is already held by this instance")
        hold = Lock(
            self._client(),
            self.key,
            timeout=self.ttl_seconds,
            sleep=_RETRY_PAUSE,
            thread_local=False,
        )
        if not self._acquire(hold, blocking=blocking, timeout=timeout):
            return False
        self._hold = hold
        self._lost.clear()
        if self.auto_refresh:
            self._start_refresher(hold)
        return True

    def release(self) -> bool:
        """Give the lock up; True when it was still ours (False: it expired or was taken)."""
        hold, self._hold = self._hold, None
        if hold is None:
            return False
        self._stop_refresher()
        try:
            hold.release()
        except LockError:  # LockNotOwnedError: expired, or a successor holds it now
            self._lost.set()
            return False
        return True

    def extend(self, ttl_seconds: float | None = None) -> bool:
        """Reset the expiry to ``ttl_seconds`` (default: the lock's TTL) if the lock is ours."""
        if self._hold is None:
            return False
        try:
            self._hold.extend(ttl_seconds or self.ttl_seconds, replace_ttl=True)
        except LockError:
            self._lost.set()
            return False
        return True

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

    @staticmethod
    def _acquire(hold: Lock, *, blocking: bool, timeout: float | None) -> bool:
        started = time.monotonic()
        if hold.acquire(blocking=blocking, blocking_timeout=timeout):
            return True
        if not blocking or timeout is None:
            return False
        # redis-py stops once the next attempt would fall after the deadline; try at it too, so
        # a waiter gets the whole timeout it asked for.
        time.sleep(max(0.0, started + timeout - time.monotonic()))
        return bool(hold.acquire(blocking=False))

    def _start_refresher(self, hold: Lock) -> None:
        self._stop_refresh = threading.Event()
        self._refresher = threading.Thread(
            target=self._refresh_until_stopped,
            args=(hold, self._stop_refresh),
            name=f"lock-refresh:{self.name}",
            daemon=True,
        )
        self._refresher.start()

    def _stop_refresher(self) -> None:
        self._stop_refresh.set()
        refresher, self._refresher = self._refresher, None
        if refresher is not None and refresher is not threading.current_thread():
            refresher.join()

    def _refresh_until_stopped(self, hold: Lock, stop: threading.Event) -> None:
        last_renewed = time.monotonic()
        while not stop.wait(self.ttl_seconds / 3):
            try:
                hold.reacquire()  # back to the full TTL, only while the token is still ours
                last_renewed = time.monotonic()
            except LockError:
                self._flag_lost("the lock expired or was taken over")
                return
            except (redis.RedisError, OSError) as error:
                if time.monotonic() - last_renewed >= self.ttl_seconds:
                    self._flag_lost(f"Redis unreachable for a whole TTL ({error!r})")
                    return

    def _flag_lost(self, reason: str) -> None:
        self._lost.set()
        logger.warning("lock %s lost: %s", self.name, reason)

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
