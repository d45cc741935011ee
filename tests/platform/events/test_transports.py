"""KafkaTransport's delivery rules, against a stand-in producer (the real broker: test_kafka)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from kafka.errors import KafkaError, KafkaTimeoutError, OutOfOrderSequenceNumberError

from scholarnet.events import transports
from scholarnet.events.envelope import Event


@dataclass
class FakeMetadata:
    offset: int


@dataclass
class FakeFuture:
    offset: int = 0
    error: Exception | None = None
    waited: list[float] = field(default_factory=list)

    def get(self, timeout: float) -> FakeMetadata:
        self.waited.append(timeout)
        if self.error is not None:
            raise self.error
        return FakeMetadata(offset=self.offset)


@dataclass
class FakeProducer:
    outcomes: list[FakeFuture | Exception]
    sent: list[str] = field(default_factory=list)

    def send(self, topic: str, *, key, value, headers) -> FakeFuture:
        outcome = self.outcomes[len(self.sent)]
        if isinstance(outcome, Exception):
            raise outcome
        self.sent.append(topic)
        return outcome


@pytest.fixture
def producer_slot(monkeypatch):
    slot: dict[str, object] = {"discarded": []}
    monkeypatch.setattr(transports, "shared_producer", lambda: slot["producer"])
    monkeypatch.setattr(transports, "discard_producer", slot["discarded"].append)
    return slot


def events(count: int) -> list[Event]:
    now = timezone.now()
    return [
        Event(
            event_id=uuid.uuid4(),
            type="article.read",
            version=1,
            occurred_at=now,
            payload={"n": n},
            key="",
        )
        for n in range(count)
    ]


def test_only_events_whose_own_record_was_acknowledged_are_delivered(producer_slot):
    batch = events(3)
    producer = FakeProducer(
        [
            FakeFuture(offset=7),
            FakeFuture(error=OutOfOrderSequenceNumberError()),
            FakeFuture(offset=8),
        ]
    )
    producer_slot["producer"] = producer

    delivered = transports.KafkaTransport().send(batch)

    assert delivered == [batch[0].event_id, batch[2].event_id]
    # A failed record may mean a producer in a fatal state: it is dropped for a new one.
    assert producer_slot["discarded"] == [producer]


def test_an_ack_without_an_offset_does_not_count_as_delivered(producer_slot):
    batch = events(2)
    producer = FakeProducer([FakeFuture(offset=-1), FakeFuture(offset=3)])
    producer_slot["producer"] = producer

    assert transports.KafkaTransport().send(batch) == [batch[1].event_id]
    assert producer_slot["discarded"] == [producer]


def test_a_fully_acknowledged_batch_keeps_its_producer(producer_slot):
    batch = events(2)
    producer_slot["producer"] = FakeProducer([FakeFuture(offset=0), FakeFuture(offset=1)])

    assert transports.KafkaTransport().send(batch) == [e.event_id for e in batch]
    assert producer_slot["discarded"] == []


def test_a_send_that_raises_stops_the_batch_and_drops_the_producer(producer_slot):
    batch = events(3)
    first = FakeFuture(offset=0)
    producer = FakeProducer([first, KafkaError("fatal error"), FakeFuture(offset=2)])
    producer_slot["producer"] = producer

    assert transports.KafkaTransport().send(batch) == [batch[0].event_id]
    assert len(producer.sent) == 1  # the third event was not sent ahead of the second
    assert producer_slot["discarded"] == [producer]


def test_every_record_is_waited_on_within_one_deadline(producer_slot, monkeypatch):
    monkeypatch.setattr(transports, "SEND_TIMEOUT_SECONDS", 5.0)
    batch = events(2)
    slow = FakeFuture(error=KafkaTimeoutError())
    fast = FakeFuture(offset=1)
    producer_slot["producer"] = FakeProducer([slow, fast])

    assert transports.KafkaTransport().send(batch) == [batch[1].event_id]
    assert len(slow.waited) == len(fast.waited) == 1
    assert 0 < fast.waited[0] <= slow.waited[0] <= 5.0
