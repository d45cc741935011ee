"""How far behind the event pipeline is: the outbox's backlog, each group's lag, dead letters.

Everything is measured at the source of truth, not counted by the processes doing the work, so
a consumer that is stopped shows a lag that grows instead of a value frozen at its last run:

* outbox: unsent rows and the age of the oldest one (what the relay has still to send), read
  from the database;
* consumer lag of a group: over every partition of its topics, the end offset minus the
  group's committed offset, summed. A partition the group never committed counts from the log
  start, since a new group reads from the beginning (``auto_offset_reset="earliest"``);
* dead letters of a group: the records on its dead-letter topic (Kafka), or its
  ``DeadLetterEvent`` rows (the local transport, which has no lag of its own: the relay hands
  events to the handlers in process, so the outbox backlog is its lag).

``backlog_measure`` sets the gauges. Beat runs it for every group (``measure_backlog``, one
worker at a time), and every ``manage.py consume`` process measures its own group between
batches (``ConsumerRunner``). The gauges use prometheus_client's ``mostrecent`` multiprocess
mode: ``/metrics`` shows the latest measurement whichever process took it, and it outlives that
process; ``scholarnet_events_backlog_measured_timestamp_seconds`` says when beat last measured.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, OffsetSpec

from scholarnet.events.batches import batch_registry
from scholarnet.events.kafka_clients import bootstrap_servers
from scholarnet.events.metrics import (
    backlog_measured,
    consumer_lag,
    dead_letters,
    outbox_oldest_unsent_age,
    outbox_unsent,
)
from scholarnet.events.models import DeadLetterEvent, OutboxEvent
from scholarnet.events.registry import registry
from scholarnet.events.topics import dead_letter_topic_for, group_id_for, topic_for

logger = logging.getLogger(__name__)

# A measurement must never hold up the consumer that takes it for long.
ADMIN_REQUEST_TIMEOUT_MS = 5_000
AdminFactory = Callable[[], KafkaAdminClient]
ReaderFactory = Callable[[], KafkaConsumer]


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    unsent: int
    oldest_unsent_age_seconds: float


@dataclass(frozen=True, slots=True)
class GroupBacklog:
    group: str
    lag: int | None  # None: the transport has no lag of its own (local)
    dead_letters: int


@dataclass(frozen=True, slots=True)
class Backlog:
    outbox: OutboxBacklog
    groups: list[GroupBacklog]


def consumer_groups() -> dict[str, list[str]]:
    """Every registered consumer group and the event types it reads."""
    groups = {group: registry.types_for(group) for group in registry.groups()}
    for group in batch_registry.groups():
        groups[group] = list(batch_registry.get(group).event_types)
    return groups


def outbox_backlog_get(*, now: float | None = None) -> OutboxBacklog:
    unsent = OutboxEvent.objects.filter(sent_at__isnull=True)
    # The unsent index is in id order, so the first unsent row is the oldest one.
    oldest = unsent.order_by("id").values_list("created_at", flat=True).first()
    age = 0.0 if oldest is None else max(0.0, (now or time.time()) - oldest.timestamp())
    return OutboxBacklog(unsent=unsent.count(), oldest_unsent_age_seconds=age)


def database_dead_letters_get(groups: Iterable[str]) -> list[GroupBacklog]:
    groups = list(groups)
    counts = dict(
        DeadLetterEvent.objects.filter(group__in=groups)
        .order_by()
        .values("group")
        .annotate(count=Count("id"))
        .values_list("group", "count")
    )
    return [GroupBacklog(group=g, lag=None, dead_letters=counts.get(g, 0)) for g in groups]


def _new_admin() -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap_servers(),
        client_id="scholarnet-backlog",
        request_timeout_ms=ADMIN_REQUEST_TIMEOUT_MS,
    )


def _new_reader() -> KafkaConsumer:
    # No group: it reads high watermarks only, never commits, and joins nothing.
    return KafkaConsumer(
        bootstrap_servers=bootstrap_servers(),
        client_id="scholarnet-backlog",
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        max_partition_fetch_bytes=1024,
        request_timeout_ms=ADMIN_REQUEST_TIMEOUT_MS + 1_000,
    )


class KafkaBacklog:
    """Offsets read through one admin client and one group-less consumer, kept between
    measurements and rebuilt after a failure (a restarted broker may have dropped their
    connections' state)."""

    def __init__(
        self,
        *,
        admin_factory: AdminFactory = _new_admin,
        reader_factory: ReaderFactory = _new_reader,
    ) -> None:
        self.admin_factory = admin_factory
        self.reader_factory = reader_factory
        self._admin: KafkaAdminClient | None = None
        self._reader: KafkaConsumer | None = None

    def measure(self, groups: Mapping[str, Sequence[str]]) -> list[GroupBacklog]:
        try:
            return self._measure(self._client(), groups)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        clients = (self._admin, self._reader)
        self._admin = self._reader = None
        for client in clients:
            if client is None:
                continue
            try:
                client.close()
            except Exception:
                logger.warning("closing the backlog's kafka client failed", exc_info=True)

    def _end_offsets(
        self, partitions: list[TopicPartition], *, listed: dict[TopicPartition, int]
    ) -> dict[TopicPartition, int]:
        """Each partition's end offset: the high watermark of a fetch at its last batch.

        ListOffsets alone is not enough on every broker: Tansu 0.6 answers LATEST with the
        last batch's base offset + 1, short by the batch's other records (the relay sends
        several events per batch). A fetch from that offset returns the true high watermark,
        which is what Kafka's ListOffsets answers too; the larger of the two is kept.
        """
        if not partitions:
            return {}
        reader = self._reader = self._reader or self.reader_factory()
        reader.unsubscribe()
        reader.assign(partitions)
        for tp in partitions:
            reader.seek(tp, max(0, listed[tp] - 1))
        deadline = time.monotonic() + ADMIN_REQUEST_TIMEOUT_MS / 1000
        while any(reader.highwater(tp) is None for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError("no fetch answered with the partitions' high watermarks")
            reader.poll(timeout_ms=100, max_records=1)
        return {tp: max(listed[tp], reader.highwater(tp)) for tp in partitions}

    def _client(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = self.admin_factory()
        return self._admin

    def _measure(
        self, admin: KafkaAdminClient, groups: Mapping[str, Sequence[str]]
    ) -> list[GroupBacklog]:
        reads = {group: [topic_for(t) for t in types] for group, types in groups.items()}
        dlq = {group: dead_letter_topic_for(group) for group in groups}
        wanted = {*dlq.values(), *(topic for topics in reads.values() for topic in topics)}
        partitions = _partitions(admin, wanted)
        every = [tp for tps in partitions.values() for tp in tps]
        earliest = _offsets(admin, every, OffsetSpec.EARLIEST)
        latest = self._end_offsets(every, listed=_offsets(admin, every, OffsetSpec.LATEST))
        read = {
            group: [tp for topic in topics for tp in partitions.get(topic, [])]
            for group, topics in reads.items()
        }
        committed = _committed(admin, {group_id_for(g): tps for g, tps in read.items() if tps})

        def lag(group: str) -> int:
            mine = committed.get(group_id_for(group), {})
            return sum(
                max(0, latest[tp] - (mine[tp] if mine.get(tp, -1) >= 0 else earliest[tp]))
                for tp in read[group]
            )

        def stored(topic: str) -> int:
            return sum(latest[tp] - earliest[tp] for tp in partitions.get(topic, []))

        return [
            GroupBacklog(group=group, lag=lag(group), dead_letters=stored(dlq[group]))
            for group in groups
        ]


def _partitions(admin: KafkaAdminClient, topics: set[str]) -> dict[str, list[TopicPartition]]:
    """The partitions of the topics that exist; a missing topic is not created by asking."""
    if not topics:
        return {}
    found: dict[str, list[TopicPartition]] = {}
    for topic in admin.describe_topics(sorted(topics)):
        if topic["error_code"] == 0:
            found[topic["name"]] = [
                TopicPartition(topic["name"], partition["partition_index"])
                for partition in topic["partitions"]
            ]
    return found


def _offsets(
    admin: KafkaAdminClient, partitions: list[TopicPartition], spec: OffsetSpec
) -> dict[TopicPartition, int]:
    if not partitions:
        return {}
    answer = admin.list_partition_offsets(dict.fromkeys(partitions, spec))
    return {tp: offset.offset for tp, offset in answer.items()}


def _committed(
    admin: KafkaAdminClient, specs: dict[str, list[TopicPartition]]
) -> dict[str, dict[TopicPartition, int]]:
    """Each group's committed offsets (-1 where it has none), in one request per coordinator."""
    if not specs:
        return {}
    answer = admin.list_group_offsets(specs)
    return {
        group_id: {tp: offset.offset for tp, offset in offsets.items()}
        for group_id, offsets in answer.items()
    }


def groups_measure(
    groups: Mapping[str, Sequence[str]], *, kafka: KafkaBacklog | None = None
) -> list[GroupBacklog]:
    """Lag and dead letters of ``groups`` (name → event types), written to the gauges."""
    if settings.EVENTS_TRANSPORT == "kafka":
        own = kafka is None
        kafka = kafka or KafkaBacklog()
        try:
            backlogs = kafka.measure(groups)
        finally:
            if own:
                kafka.close()
    else:
        backlogs = database_dead_letters_get(groups)
    for backlog in backlogs:
        if backlog.lag is not None:
            consumer_lag.labels(backlog.group).set(backlog.lag)
        dead_letters.labels(backlog.group).set(backlog.dead_letters)
    return backlogs


def backlog_measure(*, kafka: KafkaBacklog | None = None) -> Backlog:
    """The whole pipeline's backlog (outbox and every group), written to the gauges."""
    outbox = outbox_backlog_get()
    outbox_unsent.set(outbox.unsent)
    outbox_oldest_unsent_age.set(outbox.oldest_unsent_age_seconds)
    groups = groups_measure(consumer_groups(), kafka=kafka)
    backlog_measured.set(time.time())
    return Backlog(outbox=outbox, groups=groups)


class GroupMeter:
    """A consumer's measure of its own group's lag and dead letters, every
    ``EVENTS_BACKLOG_MEASURE_SECONDS`` (0: never) between batches, into the shared gauges."""

    def __init__(self, group: str, event_types: list[str]) -> None:
        self.groups = {group: event_types}
        self.every = settings.EVENTS_BACKLOG_MEASURE_SECONDS
        self._next = 0.0
        self._backlog: KafkaBacklog | None = None

    def measure_if_due(self) -> None:
        now = time.monotonic()
        if self.every <= 0 or now < self._next:
            return
        self._next = now + self.every
        self._backlog = self._backlog or KafkaBacklog()
        try:
            groups_measure(self.groups, kafka=self._backlog)
        except Exception:
            # A measurement is never worth stopping the consumer for.
            logger.warning("could not measure the group's backlog", exc_info=True)

    def close(self) -> None:
        if self._backlog is not None:
            self._backlog.close()
