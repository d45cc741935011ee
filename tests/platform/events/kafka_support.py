"""Helpers for the real-broker tests: read a topic back, run a consumer until a condition."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient
from kafka.consumer.fetcher import ConsumerRecord

from scholarnet.events.runner import ConsumerRunner


def read_topic(topic: str, *, count: int, settle: float = 1.0, timeout: float = 15.0) -> list:
    """Every record of ``topic`` from the beginning, in partition then offset order.

    Waits until ``count`` records arrived, then ``settle`` seconds more so that a record that
    should not be there (a duplicate, a rolled-back event) has time to show up too.
    """
    consumer = KafkaConsumer(
        bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    try:
        partitions = _partitions(consumer, topic, deadline=time.monotonic() + timeout)
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records = _poll_until(consumer, count=count, settle=settle, timeout=timeout)
    finally:
        consumer.close(autocommit=False)
    return sorted(records, key=lambda record: (record.partition, record.offset))


def _partitions(consumer: KafkaConsumer, topic: str, *, deadline: float) -> list[TopicPartition]:
    while not (partitions := consumer.partitions_for_topic(topic)):
        assert time.monotonic() < deadline, f"topic {topic} never appeared"
        time.sleep(0.1)
    return [TopicPartition(topic, partition) for partition in sorted(partitions)]


def _poll_until(
    consumer: KafkaConsumer, *, count: int, settle: float, timeout: float
) -> list[ConsumerRecord]:
    records: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    while len(records) < count and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=200).values():
            records.extend(batch)
    settled = time.monotonic() + settle
    while time.monotonic() < settled:
        for batch in consumer.poll(timeout_ms=100).values():
            records.extend(batch)
    return records


def committed_offsets(*, group_id: str, topic: str) -> dict[int, int | None]:
    consumer = KafkaConsumer(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS, group_id=group_id)
    try:
        return {
            partition: consumer.committed(TopicPartition(topic, partition))
            for partition in sorted(consumer.partitions_for_topic(topic))
        }
    finally:
        consumer.close(autocommit=False)


def create_topic(topic: str, *, partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS)
    try:
        admin.create_topics({topic: {"num_partitions": partitions, "replication_factor": 1}})
    finally:
        admin.close()


class CountingRunner(ConsumerRunner):
    """A runner that counts the messages it finished, so a test knows when to stop it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.handled = 0

    def handle_message(self, message: ConsumerRecord) -> None:
        super().handle_message(message)
        self.handled += 1


def run_until(runner: ConsumerRunner, done: Callable[[], bool], *, timeout: float = 30.0) -> None:
    """Run the consumer in a thread until ``done()``; its last batch is committed on return."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            runner.run()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline and thread.is_alive():
        time.sleep(0.05)
    runner.stop()
    thread.join(timeout=timeout)
    assert not errors, errors
    assert done(), "the consumer did not get there in time"
