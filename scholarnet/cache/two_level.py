"""Two-level cache: process-local LRU → Redis → loader (the database), writing back on the way.

Reads
    1. A fresh local entry answers without touching Redis.
    2. Otherwise one thread per key and process goes on (single flight); the others wait for it
       and then find the local entry it stored.
    3. Redis answers, or the miss takes a short Redis "loading" lock (SET NX PX) so that only one
       process calls the loader while the others poll Redis for its result (bounded wait, after
       which they load anyway).
    4. The loaded value is written to Redis only if no invalidation happened since the reader
       looked (a per-key generation compared inside a Lua script), so a slow reader never puts
       back a value that a writer has just invalidated.

Writes
    Write the database, then :meth:`TwoLevelCache.invalidate` (or ``invalidate_on_commit`` inside
    an atomic block). One Lua script deletes the Redis value, bumps its generation and publishes
    the keys; every process's :class:`InvalidationListener` drops them from its local tier.
    Staleness bound: another process may serve the old value for the pub/sub delivery time; if its
    subscription was broken without it noticing, for at most the local TTL (default 30 s).

Redis failures
    Never raised to the caller. A circuit breaker skips Redis for a back-off window, reads serve
    the local entry even when expired (stale fallback), and with nothing local at most
    ``fallback_concurrency`` loaders per process run at once; the rest get ``ServiceUnavailable``
    (503) after ``fallback_timeout`` instead of stampeding the database. Invalidations that could
    not reach Redis are kept and retried before the next Redis read and on reconnect.

Values are pickled (any picklable object, ``None`` included: a missing row is cached too). Every
reader gets its own unpickled copy. Redis is trusted like Django's own Redis cache backend.
"""

from __future__ import annotations

import logging
import pickle
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

import redis
from django.conf import settings
from django.db import transaction

from scholarnet.api.errors import ServiceUnavailable
from scholarnet.cache import metrics
from scholarnet.cache.breaker import CircuitBreaker
from scholarnet.cache.flight import SingleFlight
from scholarnet.cache.invalidation import InvalidationListener, encode_keys
from scholarnet.cache.local import ABSENT, LocalTier

logger = logging.getLogger(__name__)

T = TypeVar("T")

_REDIS_FAILURES = (redis.RedisError, OSError)

# KEYS value, generation, load lock; ARGV expected generation ('' = none), payload, ttl ms, lock
# token ('' = none). Stores only when no invalidation bumped the generation since it was read.
_STORE_SCRIPT = """
local stored = 0
if (redis.call('GET', KEYS[2]) or '') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  stored = 1
end
if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) == ARGV[4] then
  redis.call('DEL', KEYS[3])
end
return stored
"""

# KEYS value1, generation1, value2, generation2, …; ARGV generation ttl ms, channel, message.
_INVALIDATE_SCRIPT = """
for i = 1, #KEYS, 2 do
  redis.call('DEL', KEYS[i])
  redis.call('INCR', KEYS[i + 1])
  redis.call('PEXPIRE', KEYS[i + 1], ARGV[1])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
"""

_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# A generation must outlive any load in flight; an hour is far beyond any loader.
_GENERATION_TTL_MS = 3_600_000
_INVALIDATE_BATCH = 500


@dataclass(slots=True)
class _LoadPlan:
    """A Redis miss: the generation seen before loading, and the loading lock if we hold it."""

    generation: bytes | str | None
    lock_token: str | None


class TwoLevelCache:
    def __init__(
        self,
        *,
        redis: redis.Redis | None = None,
        name: str = "default",
        key_prefix: str | None = None,
        max_entries: int | None = None,
        local_ttl: float | None = None,
        fallback_concurrency: int | None = None,
        fallback_timeout: float = 0.5,
        load_lock_ttl: float = 10.0,
        load_wait: float = 1.0,
        listen: bool = True,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.name = name
        self._redis = redis
        self._local_hits = metrics.HITS.labels(name, "local")  # the hot path skips label lookup
        prefix = key_prefix if key_prefix is not None else _default_key_prefix()
        self._prefix = f"{prefix}:tlc:{name}"
        self._default_local_ttl = float(
            local_ttl if local_ttl is not None else settings.LOCAL_CACHE_TTL
        )
        max_entries = max_entries or settings.LOCAL_CACHE_MAX_ENTRIES
        self._local = LocalTier(max_entries=max_entries)
        self._max_pending = max_entries
        slots = fallback_concurrency or settings.CACHE_FALLBACK_CONCURRENCY
        self._fallback_slots = threading.BoundedSemaphore(max(1, slots))
        self._fallback_timeout = fallback_timeout
        self._load_lock_ms = int(load_lock_ttl * 1000)
        self._load_wait = load_wait
        self._flights = SingleFlight()
        self._breaker = breaker or CircuitBreaker()
        self._pending_lock = threading.Lock()
        self._pending: dict[str, int] = {}  # key → attempt number of invalidations not in Redis
        self._pending_seq = 0
        self._scripts: dict[str, Any] = {}
        self._listener = (
            InvalidationListener(
                client_factory=self._client,
                channel=self._channel,
                on_keys=self._local.invalidate,
                on_resync=self._resync,
            )
            if listen
            else None
        )

    # --- public API ------------------------------------------------------------------------

    def get_or_load(
        self, key: str, loader: Callable[[], T], *, ttl: int, local_ttl: int | None = None
    ) -> T:
        self._start_listener()
        payload = self._local.get_fresh(key)
        if payload is ABSENT:
            local_lifetime = min(
                float(ttl), self._default_local_ttl if local_ttl is None else local_ttl
            )
            with self._flights.hold(key):
                payload = self._fetch(key, loader, ttl=ttl, local_ttl=local_lifetime)
        else:
            self._local_hits.inc()
        return cast(T, pickle.loads(cast(bytes, payload)))  # noqa: S301 - our own trusted store

    def invalidate(self, key: str) -> None:
        self.invalidate_many([key])

    def invalidate_many(self, keys: Iterable[str]) -> None:
        unique = list(dict.fromkeys(keys))
        if not unique:
            return
        self._start_listener()
        self._local.invalidate(unique)
        metrics.INVALIDATIONS.labels(self.name).inc(len(unique))
        if self._breaker.allow():
            try:
                self._flush_pending()
                self._invalidate_in_redis(unique)
                self._breaker.record_success()
                return
            except _REDIS_FAILURES as error:
                self._note_redis_error(error)
        self._remember_pending(unique)

    def invalidate_on_commit(self, key: str, *, using: str | None = None) -> None:
        """Invalidate once the current transaction commits (at once outside an atomic block)."""
        transaction.on_commit(partial(self.invalidate, key), using=using)

    def invalidate_many_on_commit(self, keys: Iterable[str], *, using: str | None = None) -> None:
        transaction.on_commit(partial(self.invalidate_many, list(keys)), using=using)

    def clear_local(self) -> None:
        self._local.clear()

    def cached_locally(self, key: str) -> bool:
        """Whether a fresh local entry exists (introspection for tests and debugging)."""
        return self._local.get_fresh(key) is not ABSENT

    def close(self) -> None:
        """Stop the invalidation listener (tests and short-lived instances)."""
        if self._listener is not None:
            self._listener.stop()

    # --- read path -------------------------------------------------------------------------

    def _fetch(self, key: str, loader: Callable[[], Any], *, ttl: int, local_ttl: float) -> bytes:
        token = self._local.token()
        payload = self._local.get_fresh(key)  # the thread we queued behind may have stored it
        if payload is not ABSENT:
            self._local_hits.inc()
            return cast(bytes, payload)
        found = self._redis_lookup(key)
        if found is None:
            return self._fallback(key, loader, local_ttl=local_ttl, token=token)
        if isinstance(found, bytes):
            metrics.HITS.labels(self.name, "redis").inc()
            self._local.set(key, found, ttl=local_ttl, token=token)
            return found
        metrics.MISSES.labels(self.name).inc()
        try:
            payload = self._load(loader, path="normal")
        except BaseException:
            self._release_load_lock(key, found.lock_token)
            raise
        if self._write_back(key, payload, ttl=ttl, plan=found):
            self._local.set(key, payload, ttl=local_ttl, token=token)
        return payload

    def _redis_lookup(self, key: str) -> bytes | _LoadPlan | None:
        """The cached bytes, a plan to load, or None when Redis cannot be used now."""
        if not self._breaker.allow():
            return None
        try:
            self._flush_pending()
            found = self._value_or_load_lock(key)
        except _REDIS_FAILURES as error:
            self._note_redis_error(error)
            return None
        self._breaker.record_success()
        return found

    def _value_or_load_lock(self, key: str) -> bytes | _LoadPlan:
        client = self._client()
        value_key, generation_key, lock_key = self._keys(key)
        deadline = time.monotonic() + self._load_wait
        pause = 0.005
        while True:
            value, generation, holder = client.mget(value_key, generation_key, lock_key)
            if value is not None:
                return cast(bytes, value)
            if time.monotonic() >= deadline:
                return _LoadPlan(generation, None)  # the other loader is slow: load anyway
            if holder is None:
                lock_token = secrets.token_hex(8)
                if client.set(lock_key, lock_token, nx=True, px=self._load_lock_ms):
                    return _LoadPlan(generation, lock_token)
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _write_back(self, key: str, payload: bytes, *, ttl: int, plan: _LoadPlan) -> bool:
        """Store in Redis unless invalidated meanwhile; True when the value may be kept locally."""
        try:
            stored = self._script("store")(
                keys=list(self._keys(key)),
                args=[plan.generation or b"", payload, int(ttl * 1000), plan.lock_token or ""],
            )
        except _REDIS_FAILURES as error:
            self._note_redis_error(error)
            return True  # Redis is gone; the local token still guards against local invalidation
        return bool(stored)

    def _release_load_lock(self, key: str, lock_token: str | None) -> None:
        if lock_token is None:
            return
        try:
            self._script("release")(keys=[self._keys(key)[2]], args=[lock_token])
        except _REDIS_FAILURES as error:
            self._note_redis_error(error)

    def _fallback(
        self, key: str, loader: Callable[[], Any], *, local_ttl: float, token: int
    ) -> bytes:
        stale = self._local.get_stale(key)
        if stale is not ABSENT:
            metrics.HITS.labels(self.name, "stale").inc()
            return cast(bytes, stale)
        if not self._fallback_slots.acquire(timeout=self._fallback_timeout):
            metrics.FALLBACK_REJECTED.labels(self.name).inc()
            raise ServiceUnavailable("The service is busy. Try again shortly.")
        try:
            payload = self._load(loader, path="fallback")
        finally:
            self._fallback_slots.release()
        self._local.set(key, payload, ttl=local_ttl, token=token)
        return payload

    def _load(self, loader: Callable[[], Any], *, path: str) -> bytes:
        metrics.LOADS.labels(self.name, path).inc()
        return pickle.dumps(loader(), protocol=pickle.HIGHEST_PROTOCOL)

    # --- invalidation ----------------------------------------------------------------------

    def _invalidate_in_redis(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _INVALIDATE_BATCH):
            batch = keys[start : start + _INVALIDATE_BATCH]
            redis_keys = [name for key in batch for name in self._keys(key)[:2]]
            self._script("invalidate")(
                keys=redis_keys, args=[_GENERATION_TTL_MS, self._channel(), encode_keys(batch)]
            )

    def _remember_pending(self, keys: list[str]) -> None:
        with self._pending_lock:
            for key in keys:
                self._pending_seq += 1
                self._pending.pop(key, None)
                self._pending[key] = self._pending_seq
            overflow = len(self._pending) - self._max_pending
            for key in list(self._pending)[: max(0, overflow)]:
                del self._pending[key]
        if overflow > 0:
            logger.error(
                "cache invalidations dropped during a Redis outage", extra={"count": overflow}
            )

    def _flush_pending(self) -> None:
        if not self._pending:
            return
        with self._pending_lock:
            snapshot = dict(self._pending)
        self._invalidate_in_redis(list(snapshot))
        with self._pending_lock:
            for key, seq in snapshot.items():
                if self._pending.get(key) == seq:  # not re-added by a newer failed invalidation
                    del self._pending[key]

    def _resync(self) -> None:
        """The listener (re)subscribed after a gap: local entries may have missed invalidations."""
        self._local.expire_all()
        try:
            self._flush_pending()
        except _REDIS_FAILURES as error:
            self._note_redis_error(error)

    # --- plumbing --------------------------------------------------------------------------

    def _start_listener(self) -> None:
        if self._listener is not None:
            self._listener.ensure_running()

    def _client(self) -> redis.Redis:
        if self._redis is None:
            from django_redis import get_redis_connection

            self._redis = get_redis_connection("default")
        return self._redis

    def _script(self, name: str) -> Any:
        script = self._scripts.get(name)
        if script is None:
            source = {
                "store": _STORE_SCRIPT,
                "invalidate": _INVALIDATE_SCRIPT,
                "release": _RELEASE_SCRIPT,
            }
            script = self._scripts[name] = self._client().register_script(source[name])
        return script

    def _keys(self, key: str) -> tuple[str, str, str]:
        return f"{self._prefix}:v:{key}", f"{self._prefix}:g:{key}", f"{self._prefix}:l:{key}"

    def _channel(self) -> str:
        # Channels are global to the server, not per database: include the database number.
        database = self._client().connection_pool.connection_kwargs.get("db", 0)
        return f"{self._prefix}:invalidate:{database}"

    def _note_redis_error(self, error: BaseException) -> None:
        metrics.REDIS_ERRORS.labels(self.name).inc()
        self._breaker.record_failure()
        logger.warning("cache redis call failed", extra={"cache": self.name, "error": repr(error)})


def _default_key_prefix() -> str:
    return str(settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "sn")
