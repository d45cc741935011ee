"""Batch handlers: a consumer group whose handler takes a list of events at once.

For high-volume facts (reads) one call per event would cost one transaction per event; a batch
handler applies hundreds in a few statements. Declare one in the app's ``consumers`` module::

    from scholarnet.events.batches import batch_consumer

    @batch_consumer(
        group="article-reads",
        topics=["article.read"],
        size_setting="READS_BATCH_SIZE",
        wait_setting="READS_BATCH_WAIT_MS",
    )
    def reads_apply(events: list[Event]) -> None: ...

``manage.py consume GROUP`` runs it: on Kafka (``runner.BatchConsumerRunner``) or on Redis
streams (``stream.StreamBatchRunner``). A batch is delivered at least once: the handler must be
idempotent for the whole batch (a redelivered batch changes nothing). A failing batch is retried
with the same backoff as single events, then every event of it is dead-lettered.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from scholarnet.events.delivery import Outcome, backoff_delay
from scholarnet.events.envelope import Event, MalformedEnvelope
from scholarnet.events.metrics import events_handled
from scholarnet.events.registry import GROUP_NAME, registry
from scholarnet.events.topics import check_type

logger = logging.getLogger(__name__)

BatchHandlerFunc = Callable[[list[Event]], object]
DeadLetter = Callable[[Event, BaseException, int], None]


@dataclass(frozen=True, slots=True)
class BatchHandler:
    group: str
    event_types: tuple[str, ...]
    func: BatchHandlerFunc
    size_setting: str
    wait_setting: str

    @property
    def name(self) -> str:
        return f"{self.func.__module__}.{self.func.__qualname__}"

    def batch_size(self) -> int:
        return int(getattr(settings, self.size_setting))

    def batch_wait_ms(self) -> int:
        return int(getattr(settings, self.wait_setting))


class BatchRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, BatchHandler] = {}

    def register(self, handler: BatchHandler) -> None:
        existing = self._handlers.get(handler.group)
        if existing is not None and existing.name != handler.name:
            raise ImproperlyConfigured(f"batch group {handler.group!r} is {existing.name}")
        if handler.group in registry.groups():
            raise ImproperlyConfigured(f"group {handler.group!r} already has per-event handlers")
        self._handlers[handler.group] = handler

    def groups(self) -> list[str]:
        return sorted(self._handlers)

    def get(self, group: str) -> BatchHandler:
        try:
            return self._handlers[group]
        except KeyError:
            raise ValueError(f"no batch handler is registered for group {group!r}") from None

    def __contains__(self, group: object) -> bool:
        return group in self._handlers


batch_registry = BatchRegistry()


def batch_consumer(
    *,
    group: str,
    topics: Iterable[str],
    size_setting: str = "EVENTS_CONSUMER_BATCH_SIZE",
    wait_setting: str = "EVENTS_CONSUMER_BATCH_TIMEOUT_MS",
) -> Callable[[BatchHandlerFunc], BatchHandlerFunc]:
    """Register the decorated function as ``group``'s handler of batches of ``topics``."""
    event_types = tuple(check_type(event_type) for event_type in topics)
    if not GROUP_NAME.fullmatch(group) or not event_types:
        raise ImproperlyConfigured(f"a batch consumer needs a group name and a topic ({group!r})")

    def decorate(func: BatchHandlerFunc) -> BatchHandlerFunc:
        batch_registry.register(
            BatchHandler(
                group, event_types, func, size_setting=size_setting, wait_setting=wait_setting
            )
        )
        return func

    return decorate


def deliver_batch(
    handler: BatchHandler,
    events: list[Event],
    *,
    dead_letter: DeadLetter,
    sleep: Callable[[float], object] = time.sleep,
) -> Outcome:
    """Run the handler on the whole batch, retrying; dead-letter each event when retries run out."""
    max_retries = settings.EVENTS_CONSUMER_MAX_RETRIES
    for attempt in range(1, max_retries + 2):
        try:
            handler.func(events)
        except Exception as error:
            if attempt > max_retries:
                logger.exception("batch handler gave up", extra={"group": handler.group})
                for event in events:
                    dead_letter(event, error, attempt)
                _count(handler, events, Outcome.DEAD_LETTERED)
                return Outcome.DEAD_LETTERED
            logger.warning("batch handler failed, will retry", extra={"group": handler.group})
            sleep(backoff_delay(attempt, base=settings.EVENTS_CONSUMER_RETRY_BACKOFF))
        else:
            _count(handler, events, Outcome.APPLIED)
            return Outcome.APPLIED
    raise AssertionError("unreachable: the last attempt either returns or dead-letters")


def _count(handler: BatchHandler, events: list[Event], outcome: Outcome) -> None:
    by_type: dict[str, int] = {}
    for event in events:
        by_type[event.type] = by_type.get(event.type, 0) + 1
    for event_type, count in by_type.items():
        events_handled.labels(handler.group, event_type, outcome.value).inc(count)


def decode_pack(value: bytes | None) -> list[Event]:
    """The events of a message: a pack (JSON array of envelopes, ``stream.emit``) or one."""
    try:
        data = orjson.loads(value or b"")
        envelopes = data if isinstance(data, list) else [data]
        return [_event(envelope) for envelope in envelopes]
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise MalformedEnvelope(f"not an event envelope or pack: {error}") from error


def _event(envelope: Any) -> Event:
    if not isinstance(envelope, dict) or not isinstance(envelope.get("payload"), dict):
        raise TypeError("an envelope and its payload must be JSON objects")
    return Event(
        event_id=uuid.UUID(envelope["event_id"]),
        type=str(envelope["type"]),
        version=int(envelope["version"]),
        occurred_at=datetime.fromisoformat(envelope["occurred_at"]),
        payload=envelope["payload"],
    )
