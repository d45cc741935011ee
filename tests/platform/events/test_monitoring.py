"""The pipeline's backlog gauges: outbox backlog, consumer lag and dead letters per group.

The lag tests run against the real broker (``kafka``): lag is what the broker says, end offset
minus the group's committed offset, so only a broker can show it rising while the consumer is
stopped and falling to 0 once it ran.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from scholarnet.events import publish
from scholarnet.events.models import DeadLetterEvent, OutboxEvent
from scholarnet.events.monitoring import backlog_measure, consumer_groups
from scholarnet.events.relay import relay_once
from scholarnet.events.tasks import measure_backlog
from scholarnet.locks import RedisLock
from tests.platform.events.kafka_support import CountingRunner, run_until


def gauge_value(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(f"scholarnet_events_{name}", labels)


def publish_committed(event_type: str, payload: dict, *, key: str) -> OutboxEvent:
    with transaction.atomic():
        return publish(event_type, payload, key=key)


def group_backlog(group: str):
    [backlog] = [b for b in backlog_measure().groups if b.group == group]
    return backlog


# --- without a broker -----------------------------------------------------------------------


def test_the_outbox_backlog_counts_unsent_rows_and_the_oldest_ones_age(db):
    old = publish_committed("article.published", {"article_id": 1}, key="article:1")
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1))
    publish_committed("article.published", {"article_id": 2}, key="article:2")
    sent = publish_committed("article.published", {"article_id": 3}, key="article:3")
    OutboxEvent.objects.filter(pk=sent.pk).update(sent_at=timezone.now())

    backlog = backlog_measure().outbox

    assert backlog.unsent == 2
    assert 3600 <= backlog.oldest_unsent_age_seconds < 3660
    assert gauge_value("outbox_unsent") == 2
    assert gauge_value("outbox_oldest_unsent_age_seconds") == backlog.oldest_unsent_age_seconds

    OutboxEvent.objects.update(sent_at=timezone.now())
    assert backlog_measure().outbox.unsent == 0
    assert gauge_value("outbox_unsent") == 0
    assert gauge_value("outbox_oldest_unsent_age_seconds") == 0


def test_the_local_transport_counts_each_groups_dead_letter_rows_and_reports_no_lag(
    db, register_handler
):
    failing = register_handler(topics=["like.changed"])
    fine = register_handler(topics=["like.changed"])
    for _ in range(2):
        DeadLetterEvent.objects.create(
            group=failing.group,
            handler="h",
            event_id=uuid.uuid4(),
            type="like.changed",
            envelope={},
            error="boom",
            attempts=3,
        )

    assert group_backlog(failing.group).dead_letters == 2
    assert group_backlog(fine.group).dead_letters == 0
    assert group_backlog(fine.group).lag is None
    assert gauge_value("dead_letters", group=failing.group) == 2
    assert gauge_value("consumer_lag", group=failing.group) is None


def test_every_registered_group_is_measured_per_event_and_batch_handlers_alike():
    groups = consumer_groups()

    # The apps' own groups, as `consume --list` prints them.
    assert groups["search"] == [
        "article.published",
        "article.withdrawn",
        "search.any",
        "user.changed",
    ]
    assert groups["article-reads"] == ["article.read"]


def test_beat_measures_the_backlog_under_its_lock_and_stamps_the_time(db, settings):
    entry = settings.CELERY_BEAT_SCHEDULE["events-backlog-measure"]
    assert entry["task"] == measure_backlog.name == "scholarnet.events.tasks.measure_backlog"
    assert entry["schedule"] == settings.EVENTS_BACKLOG_MEASURE_SECONDS == 15.0
    publish_committed("article.published", {"article_id": 1}, key="article:1")
    before = time.time()

    measure_backlog()

    assert gauge_value("outbox_unsent") == 1
    assert gauge_value("backlog_measured_timestamp_seconds") >= before
    with RedisLock(f"{measure_backlog.__module__}.measure_backlog", ttl_seconds=5):
        OutboxEvent.objects.update(sent_at=timezone.now())
        measure_backlog()  # another worker holds the lock: this one skips
    assert gauge_value("outbox_unsent") == 1


# --- against the broker ---------------------------------------------------------------------


@pytest.fixture
def kafka_transport(settings):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"lag-{uuid.uuid4().hex[:12]}."


def consume_until_done(handler, events: list[OutboxEvent]) -> None:
    """Run the group's consumer until each event was applied or dead-lettered, then stop it."""
    wanted = {row.event_id for row in events}
    runner = CountingRunner(handler.group, batch_timeout_ms=200)
    run_until(runner, lambda: wanted <= {event.event_id for event in handler.calls}, timeout=60)


@pytest.mark.kafka
def test_a_groups_lag_grows_while_its_consumer_is_stopped_and_is_0_once_it_ran(
    transactional_db, kafka_transport, settings, register_handler
):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 0
    handler = register_handler(topics=["article.published", "article.withdrawn"], idempotent=True)
    first = [
        publish_committed("article.published", {"article_id": n}, key=f"article:{n}")
        for n in range(3)
    ] + [publish_committed("article.withdrawn", {"article_id": 0}, key="article:0")]
    handler.always_fail.add(first[1].event_id)
    assert relay_once() == 4

    # Never consumed yet: every record of both topics is lag.
    assert group_backlog(handler.group).lag == 4
    assert gauge_value("consumer_lag", group=handler.group) == 4
    assert gauge_value("dead_letters", group=handler.group) == 0

    consume_until_done(handler, first)
    backlog = group_backlog(handler.group)
    assert (backlog.lag, backlog.dead_letters) == (0, 1)
    assert gauge_value("consumer_lag", group=handler.group) == 0
    assert gauge_value("dead_letters", group=handler.group) == 1

    # The consumer is stopped: new events are lag until it runs again.
    second = [
        publish_committed("article.published", {"article_id": n}, key=f"article:{n}")
        for n in range(10, 13)
    ]
    assert relay_once() == 3
    assert group_backlog(handler.group).lag == 3
    assert gauge_value("consumer_lag", group=handler.group) == 3

    consume_until_done(handler, second)
    assert group_backlog(handler.group).lag == 0
    assert gauge_value("consumer_lag", group=handler.group) == 0
    assert len(handler.applied) == 6


@pytest.mark.kafka
def test_the_gauges_a_measuring_process_writes_appear_on_metrics_in_multiprocess_mode(
    db, kafka_transport, client, tmp_path, monkeypatch
):
    """A process that is not the web (here a measuring one, as beat's worker or a consumer)
    writes to PROMETHEUS_MULTIPROC_DIR, and the web's /metrics shows its values."""
    for n in range(3):
        publish_committed("article.published", {"article_id": n}, key=f"article:{n}")
    assert relay_once() == 3
    multiprocess_dir = tmp_path / "prometheus"
    multiprocess_dir.mkdir()

    measuring = subprocess.run(
        [sys.executable, "-c", MEASURE_SEARCH_GROUP],
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PROMETHEUS_MULTIPROC_DIR": str(multiprocess_dir),
            "EVENTS_TRANSPORT": "kafka",
            "KAFKA_BOOTSTRAP_SERVERS": ",".join(django_settings.KAFKA_BOOTSTRAP_SERVERS),
            "EVENTS_TOPIC_PREFIX": django_settings.EVENTS_TOPIC_PREFIX,
        },
        cwd=Path(django_settings.BASE_DIR),
        capture_output=True,
        timeout=120,
    )
    assert measuring.returncode == 0, measuring.stderr.decode()[-2000:]

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(multiprocess_dir))
    page = client.get("/metrics").content.decode()
    # No consumer of this prefix's "search" group ever ran: its lag is the three records.
    assert 'scholarnet_events_consumer_lag{group="search"} 3.0' in page.splitlines()
    assert 'scholarnet_events_dead_letters{group="search"} 0.0' in page.splitlines()


# The search group's lag and dead letters, measured by a process of its own (Kafka only: no
# database is needed, so it works on the embedded test database too).
MEASURE_SEARCH_GROUP = """
import django
django.setup()
from scholarnet.events.monitoring import consumer_groups, groups_measure
groups_measure({"search": consumer_groups()["search"]})
"""
