"""Where the relay hands events: Kafka in services mode, in-process handlers in embedded mode.

A transport's ``send`` returns the ids of the events it delivered. The relay marks exactly
those rows sent and releases the others, which the next run retries.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from kafka import KafkaProducer
from kafka.errors import KafkaError

from scholarnet.events.delivery import DatabaseDeadLetters, DeadLetterSink, deliver
from scholarnet.events.envelope import Event, encode
from scholarnet.events.kafka_clients import discard_producer, shared_producer
from scholarnet.events.registry import Registry, registry
from scholarnet.events.topics import topic_for

if TYPE_CHECKING:
    from kafka.producer.future import FutureRecordMetadata

logger = logging.getLogger(__name__)

SEND_TIMEOUT_SECONDS = 20.0


class Transport(Protocol):
    def send(self, events: Sequence[Event]) -> list[uuid.UUID]: ...


class LocalTransport:
    """Embedded mode: deliver each event to every group's handler, in this process, now.

    Events go through ``delivery.deliver`` like the Kafka consumer's, so idempotency, retries
    and dead letters behave the same; a handler that gives up does not block the relay.
    """

    def __init__(
        self, *, handlers: Registry | None = None, dead_letters: DeadLetterSink | None = None
    ) -> None:
        self.handlers = handlers or registry
        self.dead_letters = dead_letters or DatabaseDeadLetters()

    def send(self, events: Sequence[Event]) -> list[uuid.UUID]:
        delivered: list[uuid.UUID] = []
        for event in events:
            try:
                for handler in self.handlers.handlers_for_type(event.type):
                    deliver(handler, event, dead_letters=self.dead_letters)
            except Exception:
                # Only infrastructure fails here (a handler's own errors are dead-lettered):
                # keep what was delivered and let this event and the rest be retried.
                logger.exception("local delivery failed", extra={"event_id": str(event.event_id)})
                break
            delivered.append(event.event_id)
        return delivered


class KafkaTransport:
    """Services mode: one record per event on the topic of its type, keyed by the event key.

    The key puts all of one article's events on one partition, where Kafka keeps their order.
    An event counts as delivered only when the broker acknowledged *its* record (acks=all):
    each record's own future is waited on, so a batch the producer gave up on is never taken
    for sent. After any failure the producer is closed and rebuilt for the next run, because an
    idempotent producer may be stuck in a fatal state (its broker lost its producer state) in
    which it fails every later send; the rows it did not deliver stay unsent.
    """

    def send(self, events: Sequence[Event]) -> list[uuid.UUID]:
        producer = shared_producer()
        futures, all_sent = self._send_in_order(producer, events)
        deadline = time.monotonic() + SEND_TIMEOUT_SECONDS
        delivered = [
            event.event_id
            for event, future in futures
            if self._acknowledged(event, future, timeout=max(0.0, deadline - time.monotonic()))
        ]
        if not all_sent or len(delivered) < len(futures):
            discard_producer(producer)
        return delivered

    def _send_in_order(
        self, producer: KafkaProducer, events: Sequence[Event]
    ) -> tuple[list[tuple[Event, FutureRecordMetadata]], bool]:
        """Hand every event to the producer; the futures, and whether all were handed over."""
        futures: list[tuple[Event, FutureRecordMetadata]] = []
        for event in events:
            try:
                future = producer.send(
                    topic_for(event.type),
                    key=event.key.encode() if event.key else None,
                    value=encode(event),
                    headers=_headers(event),
                )
            except KafkaError:
                # The broker is unreachable (no metadata within max_block_ms) or the producer
                # is in a fatal state. Stop here: the rest would fail just the same, and
                # sending later events of a key before this one would break the key's order.
                logger.exception("kafka send failed", extra={"event_id": str(event.event_id)})
                return futures, False
            futures.append((event, future))
        return futures, True

    @staticmethod
    def _acknowledged(event: Event, future: FutureRecordMetadata, *, timeout: float) -> bool:
        try:
            metadata = future.get(timeout=timeout)
        except KafkaError:
            logger.exception("kafka did not acknowledge", extra={"event_id": str(event.event_id)})
            return False
        if metadata.offset < 0:
            # kafka-python takes DUPLICATE_SEQUENCE_NUMBER for success. A broker that lost its
            # producer state and handed the producer id out again says so for records it never
            # stored; an ack that names no offset proves nothing, so the event goes again.
            logger.warning(
                "kafka acknowledged without an offset; sending again",
                extra={"event_id": str(event.event_id)},
            )
            return False
        return True


def _headers(event: Event) -> list[tuple[str, bytes]]:
    # Lets tools route or inspect a record without parsing its value.
    return [("event_id", str(event.event_id).encode()), ("type", event.type.encode())]


def get_transport() -> Transport:
    if settings.EVENTS_TRANSPORT == "kafka":
        return KafkaTransport()
    if settings.EVENTS_TRANSPORT == "local":
        return LocalTransport()
    raise ValueError(f"EVENTS_TRANSPORT is 'local' or 'kafka', not {settings.EVENTS_TRANSPORT!r}")
