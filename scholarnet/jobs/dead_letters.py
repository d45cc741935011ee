"""Replaying dead-lettered events after a fix (``manage.py events_replay_dlq``).

Dead letters live where the group's transport put them (``scholarnet/events/README.md``):

- ``DeadLetterEvent`` rows: the local transport and the embedded Redis-stream batch groups;
- the topic ``<prefix><group>.dlq``: the Kafka consumers.

A replay runs the group's handler once per letter, oldest first, through the same
idempotency record the consumer uses (``run_handler``), so an event the group applied in the
meantime is a duplicate, not a second effect. A replayed row is deleted; a row that fails again
keeps its place with the new error and one more attempt. A topic is a log: its records stay,
the replay reads it from the beginning each time and takes each event once per run, and
because handlers are idempotent a second replay of the same topic changes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.db.models import F, QuerySet

from scholarnet.events.batches import batch_registry
from scholarnet.events.delivery import run_handler
from scholarnet.events.envelope import Event, MalformedEnvelope, decode
from scholarnet.events.models import DeadLetterEvent
from scholarnet.events.registry import registry
from scholarnet.events.topics import dead_letter_topic_for

logger = logging.getLogger(__name__)

SOURCES = ("table", "topic")
TOPIC_IDLE_SECONDS = 2.0


class UnknownGroup(ValueError):
    pass


@dataclass
class ReplayReport:
    replayed: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (event id, error)
    unreadable: int = 0

    def summary(self) -> str:
        return (
            f"replayed {self.replayed}, already applied {self.duplicates}, "
            f"failed again {len(self.failed)}, unreadable {self.unreadable}"
        )


def default_source() -> str:
    return "topic" if settings.EVENTS_TRANSPORT == "kafka" else "table"


def dead_letters_replay(
    *, group: str, event_type: str | None = None, limit: int | None = None, source: str = ""
) -> ReplayReport:
    if group not in registry.groups() and group not in batch_registry:
        raise UnknownGroup(f"no consumer group {group!r}; `manage.py consume --list` names them")
    source = source or default_source()
    if source == "table":
        return _replay_rows(group=group, event_type=event_type, limit=limit)
    if source == "topic":
        return _replay_topic(group=group, event_type=event_type, limit=limit)
    raise ValueError(f"source is one of {SOURCES}, not {source!r}")


def dead_letter_replay_one(*, group: str, event: Event) -> bool:
    """Run ``group``'s handler on the event once; False when it was already applied."""
    if group in batch_registry:
        # Batch handlers are exact under redelivery (their own idempotency).
        batch_registry.get(group).func([event])
        return True
    handler = registry.handler_for(group, event.type)
    if handler is None:
        raise LookupError(f"group {group!r} no longer handles {event.type!r}")
    return run_handler(handler, event)


def dead_letter_rows_replay(*, ids: list[int]) -> ReplayReport:
    """Replay these ``DeadLetterEvent`` rows, oldest first (the admin's action)."""
    return _replay_queryset(DeadLetterEvent.objects.filter(id__in=ids).order_by("id"), limit=None)


def _replay_rows(*, group: str, event_type: str | None, limit: int | None) -> ReplayReport:
    rows = DeadLetterEvent.objects.filter(group=group).order_by("id")
    if event_type:
        rows = rows.filter(type=event_type)
    return _replay_queryset(rows, limit=limit)


def _replay_queryset(rows: QuerySet[DeadLetterEvent], *, limit: int | None) -> ReplayReport:
    report = ReplayReport()
    for row in rows[:limit] if limit else rows.iterator():
        try:
            event = decode(orjson.dumps(row.envelope), key=row.key.encode() or None)
        except MalformedEnvelope:
            report.unreadable += 1
            continue
        _replay_row(row, event, report)
    return report


def _replay_row(row: DeadLetterEvent, event: Event, report: ReplayReport) -> None:
    try:
        applied = dead_letter_replay_one(group=row.group, event=event)
    except Exception as error:
        text = f"{type(error).__name__}: {error}"
        report.failed.append((str(row.event_id), text))
        DeadLetterEvent.objects.filter(pk=row.pk).update(error=text, attempts=F("attempts") + 1)
        logger.warning("dead letter failed again", extra={"event_id": str(row.event_id)})
        return
    DeadLetterEvent.objects.filter(pk=row.pk).delete()
    if applied:
        report.replayed += 1
    else:
        report.duplicates += 1


def _replay_topic(*, group: str, event_type: str | None, limit: int | None) -> ReplayReport:
    report = ReplayReport()
    seen: set[str] = set()
    for event in _topic_events(group, report):
        if (event_type and event.type != event_type) or str(event.event_id) in seen:
            continue
        if limit is not None and len(seen) >= limit:
            break
        seen.add(str(event.event_id))
        try:
            applied = dead_letter_replay_one(group=group, event=event)
        except Exception as error:
            report.failed.append((str(event.event_id), f"{type(error).__name__}: {error}"))
            continue
        if applied:
            report.replayed += 1
        else:
            report.duplicates += 1
    return report


def dead_letter_topic_read(group: str) -> Iterator[dict]:
    """The letters in ``group``'s dead-letter topic, oldest first per partition."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        group_id=None,  # reads only, commits nothing: the topic is replayed from its start
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        topic = dead_letter_topic_for(group)
        partitions = [
            TopicPartition(topic, number)
            for number in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        idle_until = time.monotonic() + TOPIC_IDLE_SECONDS
        while any(consumer.position(part) < end[part] for part in partitions):
            batches = consumer.poll(timeout_ms=200)
            if batches:
                idle_until = time.monotonic() + TOPIC_IDLE_SECONDS
            elif time.monotonic() > idle_until:
                break
            for records in batches.values():
                for record in records:
                    yield _letter(record)
    finally:
        consumer.close(autocommit=False)


def _letter(record: object) -> dict:
    try:
        body = orjson.loads(record.value or b"")  # type: ignore[attr-defined]
    except orjson.JSONDecodeError:
        body = None
    if not isinstance(body, dict):
        body = {"event": None, "error": "not JSON"}
    body["_key"] = record.key  # type: ignore[attr-defined]
    return body


def _topic_events(group: str, report: ReplayReport) -> Iterator[Event]:
    for letter in dead_letter_topic_read(group):
        envelope = letter.get("event")
        try:
            if not isinstance(envelope, dict):
                raise MalformedEnvelope("the letter holds no envelope")
            yield decode(orjson.dumps(envelope), key=letter["_key"])
        except MalformedEnvelope:
            report.unreadable += 1
