"""Fire-and-forget events: facts too frequent for the outbox, whose loss in a crash is accepted.

``emit(type, payload)`` writes no database row and makes no network call. It appends the
encoded envelope to a per-process buffer (``SenderBuffer``); a daemon thread ships the buffer
every ``EVENTS_STREAM_LINGER_MS`` (or sooner once ``PACK_SIZE`` events wait) as *packs*: one
message holding up to ``PACK_SIZE`` envelopes as a JSON array, so the transport's per-message
cost is paid once per pack, not per event.

- services mode (``EVENTS_TRANSPORT=kafka``): one record per pack on the type's topic, from a
  producer of its own (``acks=1``, its own linger, no idempotence);
- embedded mode (``EVENTS_TRANSPORT=local``): one ``XADD`` per pack to the type's Redis stream,
  trimmed to about ``EVENTS_STREAM_MAXLEN`` packs.

The price is at-most-once: events still buffered in a crashing process are lost, and while the
transport is unreachable the buffer (``EVENTS_STREAM_BUFFER_MAX`` events) fills and new events
are dropped, counted in ``events_emit_dropped``; the request never fails or waits for them. Use
it for reads, never for likes, money or anything a user did on purpose: those keep ``publish``
and the outbox.

Consumers take these events in batches through ``scholarnet.events.batches``
(:func:`~scholarnet.events.batches.decode_pack` reads packs and single envelopes alike); the
Redis stream consumer group lives here (``StreamBatchRunner``), the Kafka one in ``runner``.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import redis
from django.conf import settings
from kafka import KafkaProducer
from prometheus_client import Counter

from scholarnet.events.batches import (
    BatchHandler,
    BatchRegistry,
    batch_registry,
    decode_pack,
    deliver_batch,
)
from scholarnet.events.delivery import DatabaseDeadLetters, Failure
from scholarnet.events.envelope import Event, MalformedEnvelope, encode
from scholarnet.events.kafka_clients import bootstrap_servers
from scholarnet.events.registry import Handler, HandlerFunc
from scholarnet.events.topics import check_type, group_id_for, topic_for

logger = logging.getLogger(__name__)

events_emitted = Counter("scholarnet_events_emitted", "Fire-and-forget events buffered.", ["type"])
events_emit_dropped = Counter(
    "scholarnet_events_emit_dropped",
    "Fire-and-forget events dropped: transport unavailable.",
    ["type"],
)

_REDIS_FAILURES = (redis.RedisError, OSError)
_FIELD = b"e"  # the one field of a stream entry: a pack (or one envelope)
_producer_lock = threading.Lock()
PACK_SIZE = 500
BLOCK_MS_MAX = 200


@functools.cache
def _emitted(event_type: str) -> Any:
    # A labelled child per type: looking the label up on every emit costs more than the rest.
    return events_emitted.labels(check_type(event_type))


def emit(event_type: str, payload: dict[str, Any], *, key: str | None = None) -> None:
    """Buffer one event for the transport; never raises for the transport, never waits."""
    counter = _emitted(event_type)
    event = Event(uuid.uuid4(), event_type, 1, datetime.now(UTC), payload, key)
    if _buffer.append(event_type, encode(event)):
        counter.inc()
    else:
        events_emit_dropped.labels(event_type).inc()


# --- the sender ------------------------------------------------------------------------------


class SenderBuffer:
    """The process's outgoing events, shipped in packs by a daemon thread.

    The request appends to a deque (a microsecond); the thread sends. The thread is started per
    process, after a fork too (a forked child must not send its parent's events again).
    """

    def __init__(self) -> None:
        self._entries: deque[tuple[str, bytes]] = deque()
        self._wake = threading.Event()
        self._pid: int | None = None
        self._start_lock = threading.Lock()
        self._flush_lock = threading.Lock()

    def append(self, event_type: str, value: bytes) -> bool:
        if self._pid != os.getpid():
            self._start()
        if len(self._entries) >= settings.EVENTS_STREAM_BUFFER_MAX:
            return False
        self._entries.append((event_type, value))
        if len(self._entries) >= PACK_SIZE:
            self._wake.set()
        return True

    def flush(self) -> int:
        """Send what waits now; returns how many events the transport took (the rest dropped).

        Flushes take turns, so one that returns knows the thread's send in flight is done too.
        """
        with self._flush_lock:
            sent = 0
            while self._entries:
                sent += self._send(self._take(10 * PACK_SIZE))
            return sent

    def discard(self) -> None:
        """Forget what waits, once a send in flight is done (tests start from nothing)."""
        with self._flush_lock:
            self._entries.clear()

    def _take(self, limit: int) -> dict[str, list[bytes]]:
        by_type: dict[str, list[bytes]] = {}
        for _count in range(min(limit, len(self._entries))):
            event_type, value = self._entries.popleft()
            by_type.setdefault(event_type, []).append(value)
        return by_type

    def _send(self, by_type: dict[str, list[bytes]]) -> int:
        count = sum(len(values) for values in by_type.values())
        try:
            if settings.EVENTS_TRANSPORT == "kafka":
                _kafka_send(by_type)
            else:
                _redis_send(by_type)
        except Exception:
            for event_type, values in by_type.items():
                events_emit_dropped.labels(event_type).inc(len(values))
            logger.warning("buffered events dropped", extra={"count": count}, exc_info=True)
            return 0
        return count

    def _start(self) -> None:
        with self._start_lock:
            if self._pid == os.getpid():
                return
            self._entries.clear()
            thread = threading.Thread(target=self._run, name="event-sender", daemon=True)
            thread.start()
            self._pid = os.getpid()

    def _run(self) -> None:
        while True:
            self._wake.wait(settings.EVENTS_STREAM_LINGER_MS / 1000)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the thread must outlive any one failure
                logger.exception("event sender failed")


def _packs(values: list[bytes]) -> list[bytes]:
    return [
        b"[" + b",".join(values[start : start + PACK_SIZE]) + b"]"
        for start in range(0, len(values), PACK_SIZE)
    ]


_buffer = SenderBuffer()
atexit.register(_buffer.flush)


def sender_buffer() -> SenderBuffer:
    return _buffer


def emit_flush() -> int:
    """Send the buffered events now (tests, and commands before they exit)."""
    return _buffer.flush()


# --- Kafka -----------------------------------------------------------------------------------


def _kafka_send(by_type: dict[str, list[bytes]]) -> None:
    producer = stream_producer()
    for event_type, values in by_type.items():
        for pack in _packs(values):
            producer.send(topic_for(event_type), value=pack)


def stream_producer() -> KafkaProducer:
    with _producer_lock:
        return _producer(tuple(bootstrap_servers()))


@functools.cache
def _producer(servers: tuple[str, ...]) -> KafkaProducer:
    # acks=1: the leader's ack is enough for a count. max_block_ms bounds how long the sender
    # waits for metadata or buffer space when the broker is gone; then the pack is dropped.
    return KafkaProducer(
        bootstrap_servers=list(servers),
        client_id="scholarnet-stream",
        acks=1,
        linger_ms=settings.EVENTS_STREAM_LINGER_MS,
        batch_size=1024 * 1024,
        max_request_size=8 * 1024 * 1024,
        max_block_ms=settings.EVENTS_STREAM_MAX_BLOCK_MS,
    )


# --- Redis streams ---------------------------------------------------------------------------


def stream_key(event_type: str) -> str:
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "sn"
    return f"{prefix}:events:{topic_for(event_type)}"


def _redis_send(by_type: dict[str, list[bytes]]) -> None:
    pipe = _redis().pipeline(transaction=False)
    for event_type, values in by_type.items():
        for pack in _packs(values):
            pipe.xadd(
                stream_key(event_type),
                {_FIELD: pack},
                maxlen=settings.EVENTS_STREAM_MAXLEN,
                approximate=True,
            )
    pipe.execute()


def stream_append(event: Event, *, client: redis.Redis | None = None) -> None:
    """One envelope as its own entry, now (tools and tests; ``emit`` buffers instead)."""
    (client or _redis()).xadd(
        stream_key(event.type),
        {_FIELD: encode(event)},
        maxlen=settings.EVENTS_STREAM_MAXLEN,
        approximate=True,
    )


def _redis() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


@dataclass(frozen=True, slots=True)
class _Entry:
    stream: str
    entry_id: bytes
    events: list[Event]


def _entries_wanted(batch_size: int, events: int) -> int:
    # Entries are packs of up to PACK_SIZE events; under light load they are much smaller.
    return max(1, (batch_size - events) // 50)


class StreamBatchRunner:
    """A consumer group on the Redis streams of a batch handler's types (embedded mode).

    ``XREADGROUP`` fills a batch up to its size or wait; the entries are acknowledged (``XACK``)
    only after the handler applied them or they were dead-lettered. Entries another consumer
    read and never acknowledged (it crashed) are taken over with ``XAUTOCLAIM`` once idle for
    ``EVENTS_STREAM_CLAIM_IDLE_MS``, so a crash delays a batch instead of losing it.
    """

    def __init__(
        self,
        group: str,
        *,
        batch_size: int | None = None,
        batch_wait_ms: int | None = None,
        handlers: BatchRegistry | None = None,
        client: redis.Redis | None = None,
        consumer_name: str | None = None,
    ) -> None:
        self.handler: BatchHandler = (handlers or batch_registry).get(group)
        self.group = group
        self.batch_size = batch_size or self.handler.batch_size()
        self.batch_wait_ms = batch_wait_ms or self.handler.batch_wait_ms()
        self.client = client or _redis()
        self.consumer_name = consumer_name or f"{socket.gethostname()}-{os.getpid()}"
        self.streams = [stream_key(event_type) for event_type in self.handler.event_types]
        self._stop = threading.Event()
        self._groups_ready = False

    def stop(self) -> None:
        self._stop.set()

    def run(self, *, max_batches: int | None = None, until_empty: bool = False) -> int:
        """Handle batches until stopped, ``max_batches`` of them, or (``until_empty``) none left."""
        batches = 0
        while not self._stop.is_set() and (max_batches is None or batches < max_batches):
            try:
                handled = self.poll_once()
            except _REDIS_FAILURES:
                # Unacknowledged entries stay pending and are read again; wait out the outage.
                logger.warning("stream consumer lost Redis", extra={"group": self.group})
                if until_empty:
                    raise
                self._stop.wait(1.0)
                continue
            if handled:
                batches += 1
            elif until_empty:
                break
        return batches

    def poll_once(self) -> int:
        """One poll: stale entries of dead consumers first, else new ones; returns the events."""
        self._ensure_groups()
        entries = self._claim_stale() or self._read_new()
        if entries:
            self._handle(entries)
        return sum(len(entry.events) for entry in entries) or len(entries)

    def _ensure_groups(self) -> None:
        if self._groups_ready:
            return
        for stream in self.streams:
            try:
                # "0": a new group starts at the beginning, so earlier entries count too.
                self.client.xgroup_create(stream, self._group_id(), id="0", mkstream=True)
            except redis.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise
        self._groups_ready = True

    def _group_id(self) -> str:
        return group_id_for(self.group)

    def _claim_stale(self) -> list[_Entry]:
        entries: list[_Entry] = []
        for stream in self.streams:
            claimed = self.client.xautoclaim(
                stream,
                self._group_id(),
                self.consumer_name,
                min_idle_time=settings.EVENTS_STREAM_CLAIM_IDLE_MS,
                start_id="0-0",
                count=_entries_wanted(self.batch_size, 0),
            )
            entries.extend(self._entry(stream, entry_id, fields) for entry_id, fields in claimed[1])
        return entries

    def _read_new(self) -> list[_Entry]:
        entries: list[_Entry] = []
        events = 0
        deadline = time.monotonic() + self.batch_wait_ms / 1000
        while events < self.batch_size and not self._stop.is_set():
            block_ms = int((deadline - time.monotonic()) * 1000)
            if block_ms <= 0:
                break
            # Short blocks: the client's socket timeout (1 s by default) must outlast each one.
            block_ms = min(block_ms, BLOCK_MS_MAX)
            answer: Any = self.client.xreadgroup(
                self._group_id(),
                self.consumer_name,
                dict.fromkeys(self.streams, ">"),
                count=_entries_wanted(self.batch_size, events),
                block=block_ms,
            )
            for stream, items in answer or []:
                name = stream.decode() if isinstance(stream, bytes) else stream
                for entry_id, fields in items:
                    entries.append(self._entry(name, entry_id, fields))
                    events += len(entries[-1].events)
        return entries

    def _entry(self, stream: str, entry_id: bytes, fields: dict[bytes, bytes] | None) -> _Entry:
        try:
            events = decode_pack((fields or {}).get(_FIELD))
        except MalformedEnvelope:
            # Nothing to retry in bytes that are not events: acknowledged and logged.
            logger.error("malformed stream entry dropped", extra={"group": self.group})
            events = []
        return _Entry(stream, entry_id, events)

    def _handle(self, entries: Sequence[_Entry]) -> None:
        events = [event for entry in entries for event in entry.events]
        # Packs make a read overshoot the batch size a little: the handler still gets at most
        # batch_size events per call.
        for start in range(0, len(events), self.batch_size):
            chunk = events[start : start + self.batch_size]
            deliver_batch(self.handler, chunk, dead_letter=self._dead_letter)
        by_stream: dict[str, list[bytes]] = {}
        for entry in entries:
            by_stream.setdefault(entry.stream, []).append(entry.entry_id)
        for stream, ids in by_stream.items():
            self.client.xack(stream, self._group_id(), *ids)

    def _dead_letter(self, event: Event, error: BaseException, attempts: int) -> None:
        # The dead-letter row reads the group and the handler's name, nothing else of it.
        func = cast(HandlerFunc, self.handler.func)
        handler = Handler(group=self.group, event_type=event.type, func=func, idempotent=False)
        DatabaseDeadLetters().record(Failure(handler, event, error, attempts))
