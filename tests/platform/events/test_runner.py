"""The consumer runner's own rules; its behaviour against a broker is in test_kafka.py."""

import uuid

import orjson
import pytest
from django.utils import timezone
from kafka import TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import UnknownProducerIdError
from kafka.producer.future import RecordMetadata
from kafka.structs import OffsetAndMetadata

from scholarnet.events import kafka_clients
from scholarnet.events import runner as runner_module
from scholarnet.events.envelope import Event, encode
from scholarnet.events.runner import ConsumerRunner, poll_interval_budget_ms


def test_a_batch_may_take_as_long_as_its_worst_case_retry_backoff(settings):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 3
    settings.EVENTS_CONSUMER_RETRY_BACKOFF = 0.5

    # 100 messages x (0.5 + 1 + 2) s of backoff, on top of Kafka's default 300 s.
    assert poll_interval_budget_ms(100) == 300_000 + 350_000


def test_a_runner_needs_a_group_with_handlers():
    with pytest.raises(ValueError, match="no handlers are registered"):
        ConsumerRunner("nobody-handles-this")


def test_a_runner_subscribes_to_its_groups_types_with_the_topic_prefix(settings, register_handler):
    settings.EVENTS_TOPIC_PREFIX = "staging."
    handler = register_handler(topics=["article.withdrawn", "article.published"])
    subscriptions = []

    class FakeConsumer:
        def poll(self, **_options):
            return {}

        def close(self, **_options):
            pass

    def factory(**options):
        subscriptions.append(options)
        return FakeConsumer()

    runner = ConsumerRunner(handler.group, batch_size=5, consumer_factory=factory)
    runner.stop()
    assert runner.run() == 0

    [options] = subscriptions
    assert options["group_id"] == f"staging.{handler.group}"
    assert options["topics"] == ["staging.article.published", "staging.article.withdrawn"]
    assert options["max_poll_records"] == 5


class FailingFuture:
    def get(self, timeout=None):
        raise UnknownProducerIdError("the broker lost this producer's state")


class AckedFuture:
    def __init__(self, offset: int) -> None:
        self.offset = offset

    def get(self, timeout=None):
        return RecordMetadata("t", 0, TopicPartition("t", 0), self.offset, 0, None, -1, 1, -1)


class FakeProducer:
    """Fails every send while ``broken`` (a producer stuck in a fatal state), else acks."""

    def __init__(self, *, broken: bool) -> None:
        self.broken = broken
        self.sent: list[tuple[str, bytes]] = []
        self.closed = False

    def send(self, topic, *, key=None, value=None, headers=None):
        if self.broken:
            return FailingFuture()
        self.sent.append((topic, value))
        return AckedFuture(len(self.sent) - 1)

    def close(self, timeout=None):
        self.closed = True


class RecordingConsumer:
    def __init__(self, partition: TopicPartition) -> None:
        self.partition = partition
        self.seeks: list[tuple[TopicPartition, int]] = []
        self.commits: list[dict] = []

    def assignment(self):
        return {self.partition}

    def seek(self, partition, offset):
        self.seeks.append((partition, offset))

    def commit(self, offsets):
        self.commits.append(offsets)


def test_a_dead_letter_the_broker_refused_rebuilds_the_producer_and_is_sent_again(
    db, settings, monkeypatch, register_handler
):
    settings.KAFKA_BOOTSTRAP_SERVERS = ["127.0.0.1:1"]
    monkeypatch.setattr(runner_module, "DEAD_LETTER_BACKOFF_SECONDS", 0.0)
    producers = [FakeProducer(broken=True), FakeProducer(broken=False)]
    monkeypatch.setattr(kafka_clients, "_new_producer", lambda servers: producers.pop(0))
    monkeypatch.setattr(kafka_clients, "_producers", {})
    handler = register_handler(topics=["article.published"])
    event = Event(
        event_id=uuid.uuid4(),
        type="article.published",
        version=1,
        occurred_at=timezone.now(),
        payload={"article_id": 1},
        key="article:1",
    )
    handler.always_fail.add(event.event_id)
    partition = TopicPartition("article.published", 0)
    record = ConsumerRecord(
        topic="article.published",
        partition=0,
        leader_epoch=-1,
        offset=7,
        timestamp=0,
        timestamp_type=0,
        key=b"article:1",
        value=encode(event),
        headers=[],
        checksum=None,
        serialized_key_size=9,
        serialized_value_size=-1,
        serialized_header_size=-1,
    )
    consumer = RecordingConsumer(partition)
    runner = ConsumerRunner(handler.group, consumer_factory=lambda **_options: consumer)
    broken, healthy = producers

    runner.handle_batch(consumer, {partition: [record]})

    # Refused: the producer is closed and forgotten, nothing is committed, the record is read
    # again from its own offset.
    assert broken.closed
    assert consumer.commits == []
    assert consumer.seeks == [(partition, 7)]
    runner.handle_batch(consumer, {partition: [record]})

    assert kafka_clients.shared_producer() is healthy
    assert not healthy.closed
    [(topic, value)] = healthy.sent
    assert topic == f"{handler.group}.dlq"
    assert orjson.loads(value)["event"]["event_id"] == str(event.event_id)
    assert consumer.commits == [{partition: OffsetAndMetadata(8, "", -1)}]
    assert consumer.seeks == [(partition, 7)]
