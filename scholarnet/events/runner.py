"""The consumer runner behind ``manage.py consume GROUP``.

It polls the group's topics in batches and runs every message through ``delivery.deliver``
(idempotency, retries with backoff, dead letter). Offsets are committed only after each message
of the batch was handled or dead-lettered, so a crash replays at most the unfinished batch.
Dead letters go to the group's own topic, ``<prefix><group>.dlq`` (see ``topics``).

``BatchConsumerRunner`` does the same for a batch handler (``scholarnet.events.batches``): one
handler call per batch of up to its size, collected for at most its wait.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

import orjson
from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from scholarnet.events.batches import BatchRegistry, batch_registry, decode_pack, deliver_batch
from scholarnet.events.delivery import Failure, backoff_delay, deliver
from scholarnet.events.envelope import Event, MalformedEnvelope, decode
from scholarnet.events.kafka_clients import discard_producer, new_consumer, shared_producer
from scholarnet.events.monitoring import GroupMeter
from scholarnet.events.registry import Registry, registry
from scholarnet.events.topics import dead_letter_topic_for, group_id_for, topic_for

logger = logging.getLogger(__name__)

DEAD_LETTER_SEND_TIMEOUT_SECONDS = 20.0
# After a dead letter the broker did not take, the batch's rest is read again after a pause
# that doubles with each failure in a row, like the relay's backoff.
DEAD_LETTER_BACKOFF_SECONDS = 0.5
MAX_DEAD_LETTER_BACKOFF_SECONDS = 10.0
# Kafka's default time a consumer may spend between polls before the group evicts it.
BASE_POLL_INTERVAL_MS = 300_000
ConsumerFactory = Callable[..., KafkaConsumer]


class DeadLetterNotSent(Exception):
    """The broker did not acknowledge a dead letter: its message must not be committed."""


class KafkaDeadLetters:
    """Sends a failed message, with why it failed and where it came from, to the group's
    dead-letter topic, and waits for the broker's ack: only then may its offset be committed."""

    def __init__(self, *, group: str, source: ConsumerRecord) -> None:
        self.group = group
        self.source = source

    def record(self, failure: Failure) -> None:
        self.send(
            handler=failure.handler.name,
            event=failure.event.envelope(),
            error=failure.error_text(),
            attempts=failure.attempts,
        )

    def send(self, *, handler: str, event: Any, error: str, attempts: int) -> None:
        body = {
            "group": self.group,
            "handler": handler,
            "event": event,
            "error": error,
            "attempts": attempts,
            "failed_at": timezone.now().isoformat(),
            "source": {
                "topic": self.source.topic,
                "partition": self.source.partition,
                "offset": self.source.offset,
            },
        }
        producer = shared_producer()
        try:
            metadata = producer.send(
                dead_letter_topic_for(self.group),
                key=self.source.key,
                value=orjson.dumps(body),
                headers=list(self.source.headers or []),
            ).get(timeout=DEAD_LETTER_SEND_TIMEOUT_SECONDS)
        except KafkaError as error:
            # As the relay does: a producer whose broker lost its state may be stuck in a
            # fatal state for good; the next dead letter asks a new one for a new producer id.
            discard_producer(producer)
            topic = dead_letter_topic_for(self.group)
            raise DeadLetterNotSent(f"no ack for a dead letter to {topic}") from error
        if metadata.offset < 0:
            # An ack without an offset proves nothing (see transports.KafkaTransport).
            discard_producer(producer)
            raise DeadLetterNotSent("the broker acknowledged the dead letter without an offset")


def poll_interval_budget_ms(batch_size: int) -> int:
    """How long one batch may take before the group evicts this consumer.

    A batch of failing messages sleeps through every retry backoff of every message; with the
    default 300 s a full batch of them would get the consumer evicted, its commit refused and
    the same batch redelivered forever. The budget grows with the worst-case backoff.
    """
    retries = settings.EVENTS_CONSUMER_MAX_RETRIES
    base = settings.EVENTS_CONSUMER_RETRY_BACKOFF
    backoff_seconds = sum(backoff_delay(attempt, base=base) for attempt in range(1, retries + 1))
    return BASE_POLL_INTERVAL_MS + int(batch_size * backoff_seconds * 1000)


class ConsumerRunner:
    def __init__(
        self,
        group: str,
        *,
        batch_size: int | None = None,
        batch_timeout_ms: int | None = None,
        handlers: Registry | None = None,
        consumer_factory: ConsumerFactory = new_consumer,
    ) -> None:
        self.group = group
        self.handlers = handlers or registry
        self.event_types = self.handlers.types_for(group)
        if not self.event_types:
            raise ValueError(f"no handlers are registered for consumer group {group!r}")
        self.batch_size = batch_size or settings.EVENTS_CONSUMER_BATCH_SIZE
        self.batch_timeout_ms = batch_timeout_ms or settings.EVENTS_CONSUMER_BATCH_TIMEOUT_MS
        self.consumer_factory = consumer_factory
        self._stop = threading.Event()
        self._dead_letter_failures = 0
        self.meter = GroupMeter(group, self.event_types)

    def stop(self) -> None:
        """Finish the message in hand, commit what was handled, and return from ``run``."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self, *, max_batches: int | None = None) -> int:
        """Consume until stopped (or ``max_batches`` non-empty batches); returns the count."""
        consumer = self.consumer_factory(
            group_id=group_id_for(self.group),
            topics=[topic_for(event_type) for event_type in self.event_types],
            max_poll_records=self.batch_size,
            max_poll_interval_ms=poll_interval_budget_ms(self.batch_size),
        )
        batches = 0
        try:
            while not self.stopping and (max_batches is None or batches < max_batches):
                records = consumer.poll(
                    timeout_ms=self.batch_timeout_ms, max_records=self.batch_size
                )
                if records:
                    self.handle_batch(consumer, records)
                    batches += 1
                self.meter.measure_if_due()
        finally:
            consumer.close(autocommit=False)
            self.meter.close()
            connections.close_all()
        return batches

    def handle_batch(
        self, consumer: KafkaConsumer, records: dict[TopicPartition, list[ConsumerRecord]]
    ) -> None:
        close_old_connections()
        done: dict[TopicPartition, OffsetAndMetadata] = {}
        dead_letter_failed = False
        try:
            for partition, messages in records.items():
                for message in self._until_stopped(messages):
                    self.handle_message(message)
                    # The committed offset is the next one to read, hence + 1.
                    done[partition] = OffsetAndMetadata(
                        message.offset + 1, "", message.leader_epoch
                    )
        except DeadLetterNotSent:
            logger.warning("a dead letter was not sent", exc_info=True, extra={"group": self.group})
            dead_letter_failed = True
        finally:
            # Also on the way out of a failure: what was handled stays handled.
            self._commit(consumer, done)
        if dead_letter_failed:
            self._read_again_later(consumer, records, done)
        else:
            self._dead_letter_failures = 0

    def _read_again_later(
        self,
        consumer: KafkaConsumer,
        records: dict[TopicPartition, list[ConsumerRecord]],
        done: dict[TopicPartition, OffsetAndMetadata],
    ) -> None:
        """Like the relay with its unsent rows: the message whose dead letter failed, and the
        rest of the batch, are read again after a pause (their dead letters through the new
        producer), instead of the process exiting on a broker that is restarting."""
        _rewind(
            consumer,
            {
                partition: done[partition].offset if partition in done else messages[0].offset
                for partition, messages in records.items()
            },
        )
        self._dead_letter_failures += 1
        self._stop.wait(_dead_letter_backoff(self._dead_letter_failures))

    def _until_stopped(self, messages: Iterable[ConsumerRecord]) -> Iterable[ConsumerRecord]:
        for message in messages:
            if self.stopping:
                return
            yield message

    def handle_message(self, message: ConsumerRecord) -> None:
        dead_letters = KafkaDeadLetters(group=self.group, source=message)
        try:
            event = decode(message.value, key=message.key)
        except MalformedEnvelope as error:
            # Retrying cannot fix bytes that are not an envelope: straight to the dead letters.
            logger.error("malformed event message", extra={"topic": message.topic})
            raw = (message.value or b"").decode("utf-8", errors="replace")
            dead_letters.send(handler="", event=raw, error=str(error), attempts=0)
            return
        handler = self.handlers.handler_for(self.group, event.type)
        if handler is None:
            return  # an event type this group does not handle on a topic it reads
        deliver(handler, event, dead_letters=dead_letters)

    def _commit(
        self, consumer: KafkaConsumer, offsets: dict[TopicPartition, OffsetAndMetadata]
    ) -> None:
        if not offsets:
            return
        try:
            consumer.commit(offsets=offsets)
        except CommitFailedError:
            # The group rebalanced mid-batch: the partitions' new owner re-reads from the last
            # committed offset and the idempotent handlers skip what was already applied.
            logger.warning("offset commit failed after a rebalance", extra={"group": self.group})


class BatchConsumerRunner:
    """A batch handler's Kafka consumer group: polls until the batch is full or its wait is up.

    The batch goes to the handler in one call (``batches.deliver_batch``); its offsets are
    committed only after that call applied it or dead-lettered every event of it, so a crash
    replays at most the batch in hand, which the handler must absorb (see ``batches``).
    """

    def __init__(
        self,
        group: str,
        *,
        batch_size: int | None = None,
        batch_wait_ms: int | None = None,
        handlers: BatchRegistry | None = None,
        consumer_factory: ConsumerFactory = new_consumer,
    ) -> None:
        self.group = group
        self.handler = (handlers or batch_registry).get(group)
        self.event_types = list(self.handler.event_types)
        self.batch_size = batch_size or self.handler.batch_size()
        self.batch_wait_ms = batch_wait_ms or self.handler.batch_wait_ms()
        self.consumer_factory = consumer_factory
        self._stop = threading.Event()
        self._dead_letter_failures = 0
        self.meter = GroupMeter(group, self.event_types)

    def stop(self) -> None:
        self._stop.set()

    def run(self, *, max_batches: int | None = None) -> int:
        consumer = self.consumer_factory(
            group_id=group_id_for(self.group),
            topics=[topic_for(event_type) for event_type in self.event_types],
            max_poll_records=self.batch_size,
            # One handler call per batch, each retried like one message.
            max_poll_interval_ms=poll_interval_budget_ms(1),
        )
        batches = 0
        try:
            while not self._stop.is_set() and (max_batches is None or batches < max_batches):
                messages = self.collect(consumer)
                if messages and self._handle_or_rewind(consumer, messages):
                    batches += 1
                self.meter.measure_if_due()
        finally:
            consumer.close(autocommit=False)
            self.meter.close()
            connections.close_all()
        return batches

    def _handle_or_rewind(self, consumer: KafkaConsumer, messages: list[ConsumerRecord]) -> bool:
        """Handle the batch; if one of its dead letters was not sent, read it all again later
        (nothing of it was committed, and the batch handler absorbs a replay)."""
        try:
            self.handle_batch(consumer, messages)
        except DeadLetterNotSent:
            logger.warning("a dead letter was not sent", exc_info=True, extra={"group": self.group})
            first: dict[TopicPartition, int] = {}
            for message in messages:
                partition = TopicPartition(message.topic, message.partition)
                first[partition] = min(first.get(partition, message.offset), message.offset)
            _rewind(consumer, first)
            self._dead_letter_failures += 1
            self._stop.wait(_dead_letter_backoff(self._dead_letter_failures))
            return False
        self._dead_letter_failures = 0
        return True

    def collect(self, consumer: KafkaConsumer) -> list[ConsumerRecord]:
        """Messages worth up to ``batch_size`` events, waiting at most ``batch_wait_ms``.

        A message is one event or a pack of up to 500 (``stream.emit``), so each poll asks for a
        few messages only, and the batch is handed to the handler in calls of ``batch_size``.
        """
        messages: list[ConsumerRecord] = []
        events = 0
        deadline = time.monotonic() + self.batch_wait_ms / 1000
        while events < self.batch_size and not self._stop.is_set():
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                break
            polled = consumer.poll(
                timeout_ms=remaining_ms, max_records=max(1, (self.batch_size - events) // 50)
            )
            for partition_messages in polled.values():
                messages.extend(partition_messages)
                events += sum(_events_in(message.value) for message in partition_messages)
        return messages

    def handle_batch(self, consumer: KafkaConsumer, messages: list[ConsumerRecord]) -> None:
        close_old_connections()
        sources: dict[Any, ConsumerRecord] = {}
        events: list[Event] = []
        for message in messages:
            try:
                decoded = decode_pack(message.value)
            except MalformedEnvelope as error:
                raw = (message.value or b"").decode("utf-8", errors="replace")
                KafkaDeadLetters(group=self.group, source=message).send(
                    handler="", event=raw, error=str(error), attempts=0
                )
                continue
            for event in decoded:
                sources[event.event_id] = message
            events.extend(decoded)

        def dead_letter(event: Event, error: BaseException, attempts: int) -> None:
            KafkaDeadLetters(group=self.group, source=sources[event.event_id]).send(
                handler=self.handler.name,
                event=event.envelope(),
                error="".join(traceback.format_exception_only(error)).strip(),
                attempts=attempts,
            )

        for start in range(0, len(events), self.batch_size):
            chunk = events[start : start + self.batch_size]
            deliver_batch(self.handler, chunk, dead_letter=dead_letter)
        consumer.commit(offsets=_next_offsets(messages))


def _events_in(value: bytes | None) -> int:
    # A pack's size without parsing it: envelopes are separated by '},{"event_id"'.
    if not value or not value.startswith(b"["):
        return 1
    return value.count(b'"event_id"')


def _next_offsets(messages: list[ConsumerRecord]) -> dict[TopicPartition, OffsetAndMetadata]:
    offsets: dict[TopicPartition, OffsetAndMetadata] = {}
    for message in messages:
        partition = TopicPartition(message.topic, message.partition)
        current = offsets.get(partition)
        if current is None or message.offset + 1 > current.offset:
            offsets[partition] = OffsetAndMetadata(message.offset + 1, "", message.leader_epoch)
    return offsets


def _rewind(consumer: KafkaConsumer, positions: dict[TopicPartition, int]) -> None:
    assigned = consumer.assignment()
    for partition, offset in positions.items():
        # A partition lost to a rebalance meanwhile is read again by its new owner anyway.
        if partition in assigned:
            consumer.seek(partition, offset)


def _dead_letter_backoff(failures: int) -> float:
    return min(DEAD_LETTER_BACKOFF_SECONDS * 2 ** (failures - 1), MAX_DEAD_LETTER_BACKOFF_SECONDS)
