"""Read counts over a real Kafka-protocol broker: emit, batch consumer group, exact counts."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from apps.interactions import reads
from apps.interactions.models import ArticleStat
from scholarnet.events.runner import BatchConsumerRunner
from scholarnet.events.stream import emit, emit_flush, stream_producer

pytestmark = pytest.mark.kafka


@pytest.fixture(autouse=True)
def _kafka_transport(settings):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"reads-{uuid.uuid4().hex[:12]}."


def emit_reads(readers_by_article: dict[int, list[str]]) -> None:
    for article_id, readers in readers_by_article.items():
        for reader in readers:
            payload = {"article_id": article_id, "author_id": 999, "reader": reader}
            emit("article.read", payload, key=f"article:{article_id}")
    emit_flush()  # the sender thread's buffer, then the producer's
    stream_producer().flush(timeout=10)


def consume_until(runner: BatchConsumerRunner, done, *, timeout: float = 30.0) -> None:
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.stop()
    thread.join(timeout=15)


def read_counts() -> dict[int, int]:
    return dict(ArticleStat.objects.values_list("article_id", "read_count"))


def test_reads_reach_the_counts_through_the_consumer_group_exactly_once(transactional_db):
    emit_reads({1: ["a:x", "a:y", "a:x", "u:999"], 2: ["u:5"]})

    first = BatchConsumerRunner(reads.READS_GROUP, batch_wait_ms=300)
    consume_until(first, lambda: read_counts() == {1: 2, 2: 1})
    assert read_counts() == {1: 2, 2: 1}

    # A second consumer of the group starts from the committed offsets: nothing is applied twice,
    # and a replay of the same events from the start would insert no new marks either.
    emit_reads({2: ["u:5", "u:6"]})
    second = BatchConsumerRunner(reads.READS_GROUP, batch_wait_ms=300)
    consume_until(second, lambda: read_counts().get(2) == 2)
    time.sleep(0.5)
    assert read_counts() == {1: 2, 2: 2}


def test_a_batch_fills_up_to_its_size_within_its_wait(transactional_db, monkeypatch):
    sizes: list[int] = []
    real = reads.reads_apply

    def spy(events):
        sizes.append(len(events))
        return real(events)

    emit_reads({3: [f"a:{index}" for index in range(25)]})
    runner = BatchConsumerRunner(reads.READS_GROUP, batch_size=10, batch_wait_ms=2000)
    runner.handler = type(runner.handler)(
        runner.handler.group,
        runner.handler.event_types,
        spy,
        runner.handler.size_setting,
        runner.handler.wait_setting,
    )
    consume_until(runner, lambda: sum(sizes) == 25)

    assert max(sizes) == 10  # never more than the batch size per call
    assert sum(sizes) == 25
    assert read_counts() == {3: 25}
