"""Fixtures for the event pipeline tests: quick retries, no automatic relay runs, and
handlers registered under a group of their own that disappears after the test."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from scholarnet.events import Event, consumer
from scholarnet.events.registry import registry


@pytest.fixture(autouse=True)
def _event_settings(settings):
    # Tests run the relay themselves; a nudge would deliver on commit and hide what they check.
    settings.EVENTS_RELAY_NUDGE = False
    settings.EVENTS_TRANSPORT = "local"
    settings.EVENTS_CONSUMER_MAX_RETRIES = 2
    settings.EVENTS_CONSUMER_RETRY_BACKOFF = 0.001


@dataclass
class RecordingHandler:
    """A handler that records every call, and fails on request."""

    group: str = ""
    calls: list[Event] = field(default_factory=list)
    applied: list[Event] = field(default_factory=list)
    always_fail: set[uuid.UUID] = field(default_factory=set)
    fail_times: dict[uuid.UUID, int] = field(default_factory=dict)
    on_apply: Callable[[Event], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, event: Event) -> None:
        with self.lock:
            self.calls.append(event)
            if event.event_id in self.always_fail or self.fail_times.get(event.event_id, 0) > 0:
                self.fail_times[event.event_id] = self.fail_times.get(event.event_id, 1) - 1
                raise RuntimeError(f"handler failed on {event.event_id}")
            self.applied.append(event)
        if self.on_apply is not None:
            self.on_apply(event)

    def applied_ids(self) -> list[uuid.UUID]:
        return [event.event_id for event in self.applied]


@pytest.fixture
def register_handler() -> Iterator[Callable[..., RecordingHandler]]:
    groups: list[str] = []

    def register(
        *, topics: list[str], idempotent: bool = False, group: str | None = None
    ) -> RecordingHandler:
        handler = RecordingHandler(group=group or f"test-{uuid.uuid4().hex[:10]}")
        consumer(group=handler.group, topics=topics, idempotent=idempotent)(handler)
        groups.append(handler.group)
        return handler

    yield register
    for group in groups:
        registry.unregister_group(group)
