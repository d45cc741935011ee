"""Cross-process invalidation of the local tier over Redis pub/sub.

Every process that uses a :class:`~scholarnet.cache.TwoLevelCache` runs one daemon thread
subscribed to the cache's invalidation channel. ``invalidate`` publishes the keys (from the same
Lua script that deletes them from Redis), and each listener drops them from its local tier, so
other processes stop serving the old value within the pub/sub delivery time (milliseconds).

Pub/sub is fire-and-forget: a process that is not subscribed when a message is published never
sees it. So whenever the subscription is (re)established after a gap, the listener calls
``on_resync``, which marks the whole local tier stale. Lost messages can therefore only matter
while the connection is silently broken, and the local TTL bounds that.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Callable

import orjson
import redis

logger = logging.getLogger(__name__)

# A subscriber on a silently broken connection hears nothing; a ping that is not answered within
# this many seconds turns that into a reconnect (and a resync).
_PING_EVERY = 5.0
_PONG_DEADLINE = 15.0


def encode_keys(keys: list[str]) -> bytes:
    return orjson.dumps(keys)


def decode_keys(message: bytes) -> list[str]:
    keys = orjson.loads(message)
    return [str(key) for key in keys] if isinstance(keys, list) else []


class InvalidationListener:
    def __init__(
        self,
        *,
        client_factory: Callable[[], redis.Redis],
        channel: Callable[[], str],
        on_keys: Callable[[list[str]], None],
        on_resync: Callable[[], None],
        startup_wait_seconds: float = 1.0,
    ) -> None:
        self._client_factory = client_factory
        self._channel = channel
        self._on_keys = on_keys
        self._on_resync = on_resync
        self._startup_wait = startup_wait_seconds
        self._start_lock = threading.Lock()
        self._pid: int | None = None
        self._stop = threading.Event()
        self._first_attempt_done = threading.Event()
        self._gap = False
        self._subscribed_before = False

    def ensure_running(self) -> None:
        """Start the thread once per process (again after a fork) and wait for its first try."""
        if self._pid == os.getpid() and self._first_attempt_done.is_set():
            return
        with self._start_lock:
            if self._pid != os.getpid():
                self._start()
        # Values stored before the subscription exists could miss an invalidation; wait briefly
        # so the common case has none, and have a late subscription resync instead.
        if not self._first_attempt_done.wait(self._startup_wait):
            self._gap = True
            self._first_attempt_done.set()

    def stop(self) -> None:
        self._stop.set()

    def _start(self) -> None:
        self._stop = threading.Event()
        self._first_attempt_done = threading.Event()
        # A forked child inherits its parent's local entries but not its subscription: whatever
        # was published in between is lost, so the child's first subscription must resync.
        self._gap = self._pid is not None
        thread = threading.Thread(target=self._run, name="cache-invalidation", daemon=True)
        thread.start()
        self._pid = os.getpid()
        # Stop before the interpreter (and an embedded Redis owned by it) goes away, so a
        # shutting-down process does not log a spurious disconnect.
        atexit.register(self.stop)

    def _run(self) -> None:
        backoff = 0.1
        while not self._stop.is_set():
            try:
                self._listen()  # returns only when stopped
            except Exception as error:
                # Whatever went wrong, a dead listener would silently end cross-process
                # invalidation: note the gap and subscribe again.
                self._note_gap(error)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 5.0)

    def _note_gap(self, error: Exception) -> None:
        self._gap = True
        self._first_attempt_done.set()
        if self._stop.is_set():
            return
        if isinstance(error, redis.RedisError | OSError):
            logger.warning("cache invalidation listener disconnected: %r", error)
        else:
            logger.error("cache invalidation listener failed", exc_info=error)

    def _listen(self) -> None:
        pubsub = self._client_factory().pubsub()
        self._subscribed_before = False
        try:
            pubsub.subscribe(self._channel())
            last_heard = last_ping = time.monotonic()
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                now = time.monotonic()
                if message is not None:
                    last_heard = now
                    self._handle(message)
                if now - last_heard > _PONG_DEADLINE:
                    raise redis.ConnectionError("no answer on the invalidation channel")
                if now - last_ping > _PING_EVERY:
                    pubsub.ping()
                    last_ping = now
        finally:
            pubsub.close()

    def _handle(self, message: dict) -> None:
        if message["type"] == "subscribe":
            # redis-py reconnects and resubscribes on its own: a second confirmation on the same
            # PubSub means the connection dropped in between, just like an explicit gap.
            if self._gap or self._subscribed_before:
                self._on_resync()
                self._gap = False
            self._subscribed_before = True
            self._first_attempt_done.set()
        elif message["type"] == "message":
            try:
                self._on_keys(decode_keys(message["data"]))
            except orjson.JSONDecodeError:
                logger.error("malformed cache invalidation message ignored")
