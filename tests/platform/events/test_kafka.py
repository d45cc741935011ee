"""The pipeline against a real Kafka-protocol broker (``KAFKA_BOOTSTRAP_SERVERS``).

Each test gets topics and consumer groups of its own through a random EVENTS_TOPIC_PREFIX, so
reruns against the same broker never read an earlier run's records.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections import defaultdict
from datetime import timedelta
from io import StringIO
from unittest import mock

import orjson
import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from kafka.errors import KafkaError

from scholarnet.events import publish
from scholarnet.events.envelope import decode
from scholarnet.events.kafka_clients import shared_producer
from scholarnet.events.models import OutboxEvent, ProcessedEvent
from scholarnet.events.relay import relay_once
from scholarnet.events.topics import dead_letter_topic_for, group_id_for, topic_for
from tests.platform.events.kafka_support import (
    CountingRunner,
    committed_offsets,
    create_topic,
    read_topic,
    run_until,
)
from tests.platform.events.test_relay import run_relays_in_threads

pytestmark = pytest.mark.kafka


@pytest.fixture(autouse=True)
def _kafka_transport(settings):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:12]}."


def publish_committed(event_type: str, payload: dict, *, key: str | None = None) -> OutboxEvent:
    with transaction.atomic():
        return publish(event_type, payload, key=key)


def publish_in_a_failing_transaction() -> None:
    with transaction.atomic():
        publish("article.published", {"article_id": 1, "title": "never"}, key="article:1")
        raise RuntimeError("the article write failed")


def event_ids(records: list) -> list[uuid.UUID]:
    return [decode(record.value).event_id for record in records]


def test_the_relayed_record_carries_the_envelope_key_and_headers(transactional_db):
    row = publish_committed("article.published", {"article_id": 42}, key="article:42")

    assert relay_once() == 1

    [record] = read_topic(topic_for("article.published"), count=1)
    assert record.key == b"article:42"
    assert orjson.loads(record.value) == {
        "event_id": str(row.event_id),
        "type": "article.published",
        "version": 1,
        "occurred_at": row.occurred_at.isoformat(),
        "payload": {"article_id": 42},
    }
    assert dict(record.headers) == {
        "event_id": str(row.event_id).encode(),
        "type": b"article.published",
    }


def test_an_event_of_a_rolled_back_transaction_never_reaches_kafka(transactional_db):
    with pytest.raises(RuntimeError):
        publish_in_a_failing_transaction()
    kept = publish_committed("article.published", {"article_id": 2}, key="article:2")

    assert relay_once() == 1

    records = read_topic(topic_for("article.published"), count=1, settle=1.5)
    assert event_ids(records) == [kept.event_id]
    assert OutboxEvent.objects.count() == 1


def test_a_relay_killed_before_marking_sends_again_and_the_consumer_applies_once(
    transactional_db, register_handler
):
    handler = register_handler(topics=["like.changed"], idempotent=True)
    row = publish_committed("like.changed", {"article_id": 5, "likes": 1}, key="article:5")
    with (
        mock.patch("scholarnet.events.relay.mark_sent", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        relay_once()
    assert relay_once() == 0  # the dead relay's claim still holds
    # Its claim runs out (EVENTS_RELAY_CLAIM_TIMEOUT later); another relay takes the row over.
    OutboxEvent.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert relay_once() == 1

    topic = topic_for("like.changed")
    assert event_ids(read_topic(topic, count=2)) == [row.event_id, row.event_id]
    runner = CountingRunner(handler.group, batch_timeout_ms=200)
    run_until(runner, lambda: runner.handled == 2)

    assert handler.applied_ids() == [row.event_id]
    assert ProcessedEvent.objects.filter(group=handler.group).count() == 1
    assert (
        sum(
            filter(
                None, committed_offsets(group_id=group_id_for(handler.group), topic=topic).values()
            )
        )
        == 2
    )


def test_a_failing_handler_dead_letters_the_event_and_the_group_moves_on(
    transactional_db, settings, register_handler
):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 2
    handler = register_handler(topics=["comment.created"], idempotent=True)
    poison = publish_committed("comment.created", {"comment_id": 1}, key="article:1")
    good = publish_committed("comment.created", {"comment_id": 2}, key="article:1")
    handler.always_fail.add(poison.event_id)
    assert relay_once() == 2

    runner = CountingRunner(handler.group, batch_timeout_ms=200)
    run_until(runner, lambda: runner.handled == 2)

    assert [event.event_id for event in handler.calls].count(poison.event_id) == 3
    assert handler.applied_ids() == [good.event_id]
    [letter] = read_topic(dead_letter_topic_for(handler.group), count=1)
    body = orjson.loads(letter.value)
    assert letter.key == b"article:1"
    assert body["event"]["event_id"] == str(poison.event_id)
    assert body["event"]["payload"] == {"comment_id": 1}
    assert (body["group"], body["attempts"]) == (handler.group, 3)
    assert body["error"] == f"RuntimeError: handler failed on {poison.event_id}"
    assert body["source"]["topic"] == topic_for("comment.created")
    assert body["source"]["offset"] == 0
    offsets = committed_offsets(
        group_id=group_id_for(handler.group), topic=topic_for("comment.created")
    )
    assert offsets[body["source"]["partition"]] == 2


def test_a_malformed_record_is_dead_lettered_without_retries(transactional_db, register_handler):
    handler = register_handler(topics=["search.any"])
    shared_producer().send(topic_for("search.any"), value=b"not an envelope").get(timeout=10)
    good = publish_committed("search.any", {"q": "graphs"})
    assert relay_once() == 1

    runner = CountingRunner(handler.group, batch_timeout_ms=200)
    run_until(runner, lambda: runner.handled == 2)

    assert handler.applied_ids() == [good.event_id]
    [letter] = read_topic(dead_letter_topic_for(handler.group), count=1)
    body = orjson.loads(letter.value)
    assert (body["event"], body["attempts"]) == ("not an envelope", 0)
    assert body["error"].startswith("not an event envelope")


def test_events_of_one_key_arrive_in_publish_order(transactional_db):
    topic = topic_for("like.changed")
    create_topic(topic, partitions=3)
    rows = [
        publish_committed("like.changed", {"seq": seq}, key=f"article:{seq % 4}")
        for seq in range(40)
    ]

    while relay_once(batch_size=6):
        pass

    records = read_topic(topic, count=40)
    assert sorted(event_ids(records)) == sorted(row.event_id for row in rows)
    assert_key_order(records)


def assert_key_order(records: list) -> None:
    """Each key's records sit on one partition, their sequence numbers rising with the offset."""
    partitions: dict[bytes, set[int]] = defaultdict(set)
    sequences: dict[bytes, list[int]] = defaultdict(list)
    for record in records:  # already in (partition, offset) order
        partitions[record.key].add(record.partition)
        sequences[record.key].append(decode(record.value).payload["seq"])
    assert all(len(used) == 1 for used in partitions.values())
    assert all(seqs == sorted(seqs) for seqs in sequences.values())


def test_consume_command_handles_a_batch_and_stops(transactional_db, register_handler):
    handler = register_handler(topics=["follow.changed"], idempotent=True)
    row = publish_committed("follow.changed", {"follower": 1, "followee": 2}, key="user:2")
    assert relay_once() == 1
    out = StringIO()

    call_command(
        "consume", handler.group, "--max-batches", "1", "--batch-timeout-ms", "200", stdout=out
    )

    assert handler.applied_ids() == [row.event_id]
    assert out.getvalue().splitlines()[-1] == "stopped after 1 batch(es)"


def test_consume_command_stops_on_sigterm_after_committing_what_it_handled(
    transactional_db, register_handler
):
    handler = register_handler(topics=["follow.changed"], idempotent=True)
    first = publish_committed("follow.changed", {"follower": 1, "followee": 2}, key="user:2")
    second = publish_committed("follow.changed", {"follower": 3, "followee": 2}, key="user:2")
    assert relay_once() == 2
    handler.on_apply = lambda event: os.kill(os.getpid(), signal.SIGTERM)
    options = {"stdout": StringIO()}

    call_command("consume", handler.group, "--batch-timeout-ms", "200", **options)

    assert handler.applied_ids() == [first.event_id]
    topic = topic_for("follow.changed")
    offsets = committed_offsets(group_id=group_id_for(handler.group), topic=topic)
    assert sorted(filter(None, offsets.values())) == [1]
    # The next run starts after the committed message.
    handler.on_apply = None
    call_command(
        "consume", handler.group, "--max-batches", "1", "--batch-timeout-ms", "200", **options
    )
    assert handler.applied_ids() == [first.event_id, second.event_id]


@pytest.mark.real_db
def test_two_relays_never_both_send_a_row_and_keep_key_order(transactional_db):
    topic = topic_for("like.changed")
    create_topic(topic, partitions=3)
    rows = [
        publish_committed("like.changed", {"seq": seq}, key=f"article:{seq % 20}")
        for seq in range(150)
    ]

    errors = run_relays_in_threads(count=2, batch_size=7)

    assert errors == 0
    records = read_topic(topic, count=150, settle=1.5)
    sent = event_ids(records)
    assert len(sent) == len(set(sent)) == 150
    assert set(sent) == {row.event_id for row in rows}
    assert_key_order(records)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0


def test_a_producer_in_a_fatal_state_is_rebuilt_and_the_next_run_delivers(transactional_db):
    row = publish_committed("article.published", {"article_id": 7}, key="article:7")
    producer = shared_producer()
    # What kafka-python does when InitProducerId fails after a broker lost its state: from then
    # on this producer aborts every batch ("Aborting producer batches due to fatal error").
    producer._transaction_manager.transition_to_fatal_error(KafkaError("UnknownError"))

    assert relay_once() == 0

    row.refresh_from_db()
    assert (row.sent_at, row.claimed_until, row.attempts) == (None, None, 1)
    assert shared_producer() is not producer
    assert relay_once() == 1
    assert event_ids(read_topic(topic_for("article.published"), count=1)) == [row.event_id]
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.attempts == 2
