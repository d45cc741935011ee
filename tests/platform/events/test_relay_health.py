"""The relay's health record in Redis, its metrics, and the /readyz check built on them."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from prometheus_client import REGISTRY

from scholarnet.events import publish
from scholarnet.events.models import OutboxEvent
from scholarnet.events.relay import relay_once
from scholarnet.events.relay_health import (
    FAILING_SINCE_KEY,
    FAILURES_KEY,
    LAST_SUCCESS_KEY,
    RelayStalled,
    check_relay,
    relay_state_get,
)
from scholarnet.observability import health


def publish_committed(*, waiting_for: float = 0.0) -> OutboxEvent:
    with transaction.atomic():
        row = publish("article.read", {"article_id": 1})
    if waiting_for:
        created = timezone.now() - dt.timedelta(seconds=waiting_for)
        OutboxEvent.objects.filter(pk=row.pk).update(created_at=created)
    return row


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(f"scholarnet_{name}")


def broken_transport() -> mock.Mock:
    return mock.Mock(send=mock.Mock(side_effect=ConnectionError("broker down")))


def test_failed_runs_are_counted_in_redis_and_a_success_resets_them(db, register_handler):
    register_handler(topics=["article.read"])
    publish_committed()
    before = time.time()

    for _run in range(3):
        with pytest.raises(ConnectionError):
            relay_once(transport=broken_transport())

    state = relay_state_get()
    assert state.consecutive_failures == 3
    assert state.last_success is None
    assert before <= state.failing_since <= time.time()
    assert gauge("events_relay_consecutive_failures") == 3

    assert relay_once() == 1
    state = relay_state_get()
    assert (state.consecutive_failures, state.failing_since) == (0, None)
    assert before <= state.last_success <= time.time()
    assert gauge("events_relay_consecutive_failures") == 0
    assert gauge("events_relay_last_success_timestamp_seconds") == state.last_success


def test_a_run_that_delivered_only_part_of_its_batch_is_a_failure(db):
    first = publish_committed()
    publish_committed()
    partial = mock.Mock(send=mock.Mock(return_value=[first.event_id]))

    assert relay_once(transport=partial) == 1

    assert relay_state_get().consecutive_failures == 1
    assert cache.get(LAST_SUCCESS_KEY) is None


def test_an_empty_outbox_is_ready_whatever_the_relay_did(transactional_db, settings):
    settings.EVENTS_RELAY_READINESS_AFTER = 60
    cache.set(FAILING_SINCE_KEY, time.time() - 3600)

    assert check_relay() == "ok"


def test_rows_waiting_longer_than_the_threshold_with_no_success_make_the_relay_stalled(
    transactional_db, settings
):
    settings.EVENTS_RELAY_READINESS_AFTER = 60
    publish_committed(waiting_for=90)
    cache.set(FAILURES_KEY, 168)
    cache.set(LAST_SUCCESS_KEY, time.time() - 600)

    with pytest.raises(
        RelayStalled,
        match=r"outbox rows waiting 9\ds; 168 relay failure\(s\) in "
        r"a row; last success 600s ago",
    ):
        check_relay()


def test_a_relay_that_never_ran_is_stalled_once_rows_wait_too_long(transactional_db, settings):
    settings.EVENTS_RELAY_READINESS_AFTER = 60
    publish_committed(waiting_for=61)

    with pytest.raises(RelayStalled, match="last success never"):
        check_relay()


def test_young_rows_or_a_recent_success_are_ready(transactional_db, settings):
    settings.EVENTS_RELAY_READINESS_AFTER = 60
    publish_committed(waiting_for=30)
    assert check_relay() == "ok"

    publish_committed(waiting_for=600)
    cache.set(LAST_SUCCESS_KEY, time.time() - 5)  # busy, but delivering
    assert check_relay() == "ok"


def test_the_check_is_off_with_a_zero_threshold(transactional_db, settings):
    settings.EVENTS_RELAY_READINESS_AFTER = 0
    publish_committed(waiting_for=10_000)

    assert check_relay() == "skipped"


def test_readyz_is_503_naming_a_stalled_relay_with_the_kafka_transport(
    transactional_db, client, settings, monkeypatch
):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_RELAY_READINESS_AFTER = 60
    monkeypatch.setattr(health, "check_kafka", lambda: "ok")  # the broker itself answers
    publish_committed(waiting_for=120)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["events_relay"] == "error: RelayStalled"

    cache.set(LAST_SUCCESS_KEY, time.time())
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["events_relay"] == "ok"
