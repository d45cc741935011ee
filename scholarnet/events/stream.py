"""Fire-and-forget events: facts too frequent for the outbox, whose loss in a crash is accepted.

``emit(type, payload)`` writes no database row. It hands the envelope straight to the transport:

- services mode (``EVENTS_TRANSPORT=kafka``): a batching producer of its own (``acks=1``, a
  linger of ``EVENTS_STREAM_LINGER_MS``, no idempotence) whose ``send`` only appends to an
  in-memory buffer; a background thread ships the buffer;
- embedded mode (``EVENTS_TRANSPORT=local``): one ``XADD`` to a Redis stream per event type,
  trimmed to about ``EVENTS_STREAM_MAXLEN`` entries.

The price is at-most-once: events still in a crashing process's buffer (or beyond the stream's
length) are lost, and a transport outage drops them (logged, counted in ``events_emit_dropped``)
instead of failing the request. Use it for reads, never for likes, money or anything a user did
on purpose: those keep ``publish`` and the outbox.

Consumers take these events in batches through ``scholarnet.events.batches``; the Redis stream
side of that lives here too (``StreamBatchRunner``), the Kafka side in ``runner``.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import redis
from django.conf import settings
from kafka import KafkaProducer
from prometheus_client import Counter

from scholarnet.events.batches import BatchHandler, BatchRegistry, batch_registry, deliver_batch
from scholarnet.events.delivery import DatabaseDeadLetters, Failure
from scholarnet.events.envelope import Event, MalformedEnvelope, decode, encode
from scholarnet.events.kafka_clients import bootstrap_servers
from scholarnet.events.registry import Handler, HandlerFunc
from scholarnet.events.topics import check_type, group_id_for, topic_for

logger = logging.getLogger(__name__)

events_emitted = Counter(
    "scholarnet_events_emitted", "Fire-and-forget events handed over.", ["type"]
)
events_emit_dropped = Counter(
    "scholarnet_events_emit_dropped",
    "Fire-and-forget events dropped: transport unavailable.",
    ["type"],
)

_REDIS_FAILURES = (redis.RedisError, OSError)
_FIELD = b"e"  # the one field of a stream entry: the encoded envelope
_producer_lock = threading.Lock()


def emit(event_type: str, payload: dict[str, Any], *, key: str | None = None) -> None:
    """Hand one event to the transport without waiting for it; never raises for the transport."""
    event = Event(
        event_id=uuid.uuid4(),
        type=check_type(event_type),
        version=1,
        occurred_at=datetime.now(UTC),
        payload=payload,
        key=key,
    )
    try:
        if settings.EVENTS_TRANSPORT == "kafka":
            _kafka_send(event)
        else:
            stream_append(event)
    except Exception:
        # The request that emitted it must not fail or wait for a count.
        events_emit_dropped.labels(event_type).inc()
        logger.warning("event dropped", extra={"type": event_type}, exc_info=True)
        return
    events_emitted.labels(event_type).inc()


# --- Kafka -----------------------------------------------------------------------------------


def _kafka_send(event: Event) -> None:
    stream_producer().send(
        topic_for(event.type), key=event.key.encode() if event.key else None, value=encode(event)
    )


def stream_producer() -> KafkaProducer:
    with _producer_lock:
        return _producer(tuple(bootstrap_servers()))


@functools.cache
def _producer(servers: tuple[str, ...]) -> KafkaProducer:
    # acks=1: the leader's ack is enough for a count. max_block_ms bounds how long a request
    # may wait for metadata or buffer space when the broker is gone; then the event is dropped.
    return KafkaProducer(
        bootstrap_servers=list(servers),
        client_id="scholarnet-stream",
        acks=1,
        linger_ms=settings.EVENTS_STREAM_LINGER_MS,
        batch_size=256 * 1024,
        max_block_ms=settings.EVENTS_STREAM_MAX_BLOCK_MS,
        compression_type=None,
    )


# --- Redis streams ---------------------------------------------------------------------------


def stream_key(event_type: str) -> str:
    prefix = settings.CACHES.get("default", {}).get("KEY_PREFIX", "") or "sn"
    return f"{prefix}:events:{topic_for(event_type)}"


def stream_append(event: Event, *, client: redis.Redis | None = None) -> None:
    (client or _redis()).xadd(
        stream_key(event.type),
        {_FIELD: encode(event)},
        maxlen=settings.EVENTS_STREAM_MAXLEN,
        approximate=True,
    )


def _redis() -> redis.Redis:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


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
            if self.poll_once():
                batches += 1
            elif until_empty:
                break
        return batches

    def poll_once(self) -> int:
        """One batch: stale entries of dead consumers first, else new ones. Returns its size."""
        self._ensure_groups()
        entries = self._claim_stale() or self._read_new()
        if entries:
            self._handle(entries)
        return len(entries)

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

    def _claim_stale(self) -> list[tuple[str, bytes, dict[bytes, bytes]]]:
        entries: list[tuple[str, bytes, dict[bytes, bytes]]] = []
        for stream in self.streams:
            claimed = self.client.xautoclaim(
                stream,
                self._group_id(),
                self.consumer_name,
                min_idle_time=settings.EVENTS_STREAM_CLAIM_IDLE_MS,
                start_id="0-0",
                count=self.batch_size - len(entries),
            )
            entries.extend((stream, entry_id, fields) for entry_id, fields in claimed[1] if fields)
            if len(entries) >= self.batch_size:
                break
        return entries

    def _read_new(self) -> list[tuple[str, bytes, dict[bytes, bytes]]]:
        entries: list[tuple[str, bytes, dict[bytes, bytes]]] = []
        deadline = time.monotonic() + self.batch_wait_ms / 1000
        while len(entries) < self.batch_size and not self._stop.is_set():
            block_ms = int((deadline - time.monotonic()) * 1000)
            if block_ms <= 0:
                break
            answer: Any = self.client.xreadgroup(
                self._group_id(),
                self.consumer_name,
                dict.fromkeys(self.streams, ">"),
                count=self.batch_size - len(entries),
                block=block_ms,
            )
            for stream, items in answer or []:
                name = stream.decode() if isinstance(stream, bytes) else stream
                entries.extend((name, entry_id, fields) for entry_id, fields in items)
        return entries

    def _handle(self, entries: Sequence[tuple[str, bytes, dict[bytes, bytes]]]) -> None:
        events: list[Event] = []
        for _stream, _entry_id, fields in entries:
            try:
                events.append(decode(fields.get(_FIELD)))
            except MalformedEnvelope:
                logger.error("malformed stream entry dropped", extra={"group": self.group})
        if events:
            deliver_batch(self.handler, events, dead_letter=self._dead_letter)
        by_stream: dict[str, list[bytes]] = {}
        for stream, entry_id, _fields in entries:
            by_stream.setdefault(stream, []).append(entry_id)
        for stream, ids in by_stream.items():
            self.client.xack(stream, self._group_id(), *ids)

    def _dead_letter(self, event: Event, error: BaseException, attempts: int) -> None:
        # The dead-letter row reads the group and the handler's name, nothing else of it.
        func = cast(HandlerFunc, self.handler.func)
        handler = Handler(group=self.group, event_type=event.type, func=func, idempotent=False)
        DatabaseDeadLetters().record(Failure(handler, event, error, attempts))
