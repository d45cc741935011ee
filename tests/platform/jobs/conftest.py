from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from scholarnet.events import consumer
from scholarnet.events.registry import registry
from tests.platform.events.conftest import RecordingHandler


@pytest.fixture
def register_handler() -> Iterator[Callable[..., RecordingHandler]]:
    """A recording handler under a group of its own, gone after the test."""
    groups: list[str] = []

    def register(*, topics: list[str], idempotent: bool = True) -> RecordingHandler:
        handler = RecordingHandler(group=f"test-{uuid.uuid4().hex[:10]}")
        consumer(group=handler.group, topics=topics, idempotent=idempotent)(handler)
        groups.append(handler.group)
        return handler

    yield register
    for group in groups:
        registry.unregister_group(group)


@pytest.fixture
def quick_retries(settings):
    settings.EVENTS_RELAY_NUDGE = False
    settings.EVENTS_CONSUMER_MAX_RETRIES = 1
    settings.EVENTS_CONSUMER_RETRY_BACKOFF = 0.001
