import datetime as dt
import threading
import time
from unittest import mock

import pytest
import time_machine
from django.db import OperationalError, close_old_connections, connection, transaction
from django.utils import timezone

from scholarnet.events import publish
from scholarnet.events import relay as relay_module
from scholarnet.events.models import OutboxEvent, ProcessedEvent
from scholarnet.events.relay import claim_batch, mark_sent, relay_forever, relay_once
from tests.support.concurrency import run_together


def publish_committed(event_type: str, payload: dict, *, key: str = "") -> OutboxEvent:
    with transaction.atomic():
        return publish(event_type, payload, key=key or None)


def test_relay_delivers_a_committed_event_to_its_handler_exactly_once(db, register_handler):
    handler = register_handler(topics=["article.published"])
    row = publish_committed("article.published", {"article_id": 42}, key="article:42")

    assert relay_once() == 1
    assert relay_once() == 0

    assert handler.applied_ids() == [row.event_id]
    event = handler.applied[0]
    assert (event.type, event.version, event.payload, event.key) == (
        "article.published",
        1,
        {"article_id": 42},
        "article:42",
    )
    assert event.occurred_at == row.occurred_at
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.claimed_until is None
    assert row.attempts == 1


def test_relay_delivers_each_type_only_to_the_groups_that_handle_it(db, register_handler):
    search = register_handler(topics=["article.published", "article.withdrawn"])
    feed = register_handler(topics=["article.published"])
    published = publish_committed("article.published", {"article_id": 1}, key="article:1")
    withdrawn = publish_committed("article.withdrawn", {"article_id": 1}, key="article:1")

    assert relay_once() == 2

    assert search.applied_ids() == [published.event_id, withdrawn.event_id]
    assert feed.applied_ids() == [published.event_id]


def test_relay_sends_oldest_first_in_batches(db, register_handler):
    handler = register_handler(topics=["article.read"])
    rows = [publish_committed("article.read", {"n": n}) for n in range(5)]

    assert relay_once(batch_size=2) == 2
    assert relay_once(batch_size=2) == 2
    assert relay_once(batch_size=2) == 1
    assert relay_once(batch_size=2) == 0

    assert handler.applied_ids() == [row.event_id for row in rows]


def test_a_relay_that_died_after_sending_is_covered_by_claim_expiry(db, settings, register_handler):
    handler = register_handler(topics=["like.changed"], idempotent=True)
    row = publish_committed("like.changed", {"article_id": 5, "likes": 3}, key="article:5")

    with (
        mock.patch("scholarnet.events.relay.mark_sent", side_effect=RuntimeError("relay died")),
        pytest.raises(RuntimeError, match="relay died"),
    ):
        relay_once()
    assert handler.applied_ids() == [row.event_id]

    # The dead relay's claim still holds: nobody sends the row again yet.
    assert relay_once() == 0
    later = timezone.now() + dt.timedelta(seconds=settings.EVENTS_RELAY_CLAIM_TIMEOUT + 1)
    with time_machine.travel(later):
        assert relay_once() == 1

    # Sent twice, applied once: the idempotency record turned the duplicate away.
    assert handler.applied_ids() == [row.event_id]
    assert ProcessedEvent.objects.filter(group=handler.group, event_id=row.event_id).count() == 1
    row.refresh_from_db()
    assert row.sent_at is not None
    assert row.attempts == 2


def test_a_relay_that_died_after_claiming_leaves_the_rows_to_the_next_relay(db, settings):
    row = publish_committed("follow.changed", {"follower": 1, "followee": 2})
    dead = claim_batch(batch_size=10)
    assert [r.pk for r in dead.rows] == [row.pk]

    assert claim_batch(batch_size=10).rows == []
    later = timezone.now() + dt.timedelta(seconds=settings.EVENTS_RELAY_CLAIM_TIMEOUT + 1)
    with time_machine.travel(later):
        retaken = claim_batch(batch_size=10)

    assert [r.pk for r in retaken.rows] == [row.pk]
    assert retaken.token != dead.token


def test_a_transport_failure_releases_the_claim_for_the_next_run(db, register_handler):
    handler = register_handler(topics=["article.read"])
    row = publish_committed("article.read", {"article_id": 1})
    broken = mock.Mock(send=mock.Mock(side_effect=ConnectionError("broker down")))

    with pytest.raises(ConnectionError):
        relay_once(transport=broken)

    row.refresh_from_db()
    assert (row.sent_at, row.claimed_until) == (None, None)
    assert "broker down" in row.last_error
    assert relay_once() == 1
    assert handler.applied_ids() == [row.event_id]


def test_events_the_transport_did_not_deliver_stay_unsent(db):
    first = publish_committed("article.read", {"n": 1})
    second = publish_committed("article.read", {"n": 2})
    partial = mock.Mock(send=mock.Mock(return_value=[first.event_id]))

    assert relay_once(transport=partial) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.sent_at is not None
    assert (second.sent_at, second.claimed_until) == (None, None)
    assert second.last_error == "not delivered"


def test_a_key_held_by_another_relay_is_not_overtaken(db):
    a1 = publish_committed("like.changed", {"n": 1}, key="article:1")
    b1 = publish_committed("like.changed", {"n": 2}, key="article:2")
    a2 = publish_committed("like.changed", {"n": 3}, key="article:1")
    unkeyed = publish_committed("article.read", {"n": 4})

    first = claim_batch(batch_size=1)
    second = claim_batch(batch_size=10)
    assert [r.pk for r in first.rows] == [a1.pk]
    # a2 waits until a1, claimed by the first relay, is sent.
    assert [r.pk for r in second.rows] == [b1.pk, unkeyed.pk]

    mark_sent(ids=[a1.pk])
    assert [r.pk for r in claim_batch(batch_size=10).rows] == [a2.pk]


def test_claims_of_relays_started_at_the_same_moment_never_overlap(transactional_db):
    rows = [publish_committed("article.read", {"n": n}) for n in range(40)]

    claims = run_together(4, lambda _i: _claim_retrying(batch_size=10))

    claimed = [row.pk for claim in claims for row in claim.rows]
    assert sorted(claimed) == [row.pk for row in rows]
    assert len({claim.token for claim in claims}) == 4
    assert OutboxEvent.objects.filter(claim_token__isnull=True).count() == 0


def _claim_retrying(*, batch_size: int):
    # SQLite's shared in-memory test database fails a second writer at once instead of
    # waiting; the failed claim rolled back, so claiming again is safe.
    for _attempt in range(200):
        try:
            return claim_batch(batch_size=batch_size)
        except OperationalError:
            close_old_connections()
            time.sleep(0.005)
    raise AssertionError("never got to claim")


@pytest.mark.real_db
def test_a_relay_claims_past_the_rows_another_relay_holds_without_waiting_for_it(
    transactional_db, monkeypatch
):
    rows = [publish_committed("article.read", {"n": n}) for n in range(6)]
    holding, release = threading.Event(), threading.Event()
    keep_key_order = relay_module._keep_key_order

    def pause_the_first_relay_inside_its_claim(candidates, *, using):
        ids = keep_key_order(candidates, using=using)
        if threading.current_thread().name == "first":
            holding.set()
            release.wait(20)
        return ids

    monkeypatch.setattr(relay_module, "_keep_key_order", pause_the_first_relay_inside_its_claim)
    claims: dict[str, object] = {}

    def claim(name: str) -> None:
        try:
            claims[name] = claim_batch(batch_size=4)
        finally:
            connection.close()

    first = threading.Thread(target=claim, args=("first",), name="first")
    first.start()
    try:
        assert holding.wait(10)
        second = threading.Thread(target=claim, args=("second",), name="second")
        second.start()
        # The first relay's transaction still locks rows 1-4: with SKIP LOCKED the second
        # relay takes rows 5-6 at once; a blocking FOR UPDATE would make it wait here.
        second.join(timeout=5)
        assert not second.is_alive(), "the second relay waited for the first one's locks"
    finally:
        release.set()
        first.join(timeout=20)
    second.join(timeout=20)

    assert [r.pk for r in claims["first"].rows] == [r.pk for r in rows[:4]]
    assert [r.pk for r in claims["second"].rows] == [r.pk for r in rows[4:]]


def test_relay_forever_drains_the_outbox_and_stops_when_told(transactional_db, register_handler):
    handler = register_handler(topics=["article.read"])
    rows = [publish_committed("article.read", {"n": n}) for n in range(5)]
    stop = threading.Event()
    handler.on_apply = lambda event: stop.set() if len(handler.applied) == 5 else None

    worker = threading.Thread(target=_relay_until_stopped, kwargs={"stop": stop})
    worker.start()
    worker.join(timeout=20)

    assert not worker.is_alive()
    assert handler.applied_ids() == [row.event_id for row in rows]
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0


def _relay_until_stopped(*, stop: threading.Event) -> None:
    try:
        relay_forever(stop=stop, batch_size=2, interval=0.01)
    finally:
        connection.close()


def test_two_relays_in_threads_never_send_a_row_twice(transactional_db, register_handler):
    handler = register_handler(topics=["article.read"])
    rows = [publish_committed("article.read", {"n": n}) for n in range(60)]

    run_relays_in_threads(count=2, batch_size=5)

    sent_ids = handler.applied_ids()
    assert sorted(sent_ids) == sorted(row.event_id for row in rows)
    assert len(sent_ids) == len(set(sent_ids)) == 60
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.real_db
def test_two_relays_on_a_server_database_share_the_work_without_contention(
    transactional_db, register_handler
):
    handler = register_handler(topics=["article.read"])
    rows = [publish_committed("article.read", {"n": n}) for n in range(200)]

    errors = run_relays_in_threads(count=2, batch_size=7)

    assert errors == 0  # SKIP LOCKED: a relay never waits for, or fails on, the other's rows
    sent_ids = handler.applied_ids()
    assert sorted(sent_ids) == sorted(row.event_id for row in rows)
    assert len(sent_ids) == len(set(sent_ids)) == 200
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0
    assert set(OutboxEvent.objects.values_list("attempts", flat=True)) == {1}


def run_relays_in_threads(*, count: int, batch_size: int) -> int:
    """Run ``count`` relays side by side until the outbox is empty; returns database errors."""
    start = threading.Barrier(count)
    errors: list[OperationalError] = []
    threads = [
        threading.Thread(target=_relay_until_empty, args=(start, batch_size, errors))
        for _ in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return len(errors)


def _relay_until_empty(
    start: threading.Barrier, batch_size: int, errors: list[OperationalError]
) -> None:
    start.wait()
    try:
        idle_runs = 0
        # A relay finding nothing to claim may only be waiting for the other relay to send an
        # older event of the same key, so it keeps trying until the outbox is empty.
        while idle_runs < 50:
            try:
                if not OutboxEvent.objects.filter(sent_at__isnull=True).exists():
                    return
                sent = relay_once(batch_size=batch_size)
            except OperationalError as error:
                # SQLite's shared in-memory test database fails a second writer at once instead
                # of waiting; the failed statement rolled back, so running again is safe.
                errors.append(error)
                close_old_connections()
                continue
            idle_runs = idle_runs + 1 if sent == 0 else 0
            if not sent:
                time.sleep(0.01)
    finally:
        connection.close()


def test_a_busy_database_when_marking_is_retried_instead_of_sending_again(
    transactional_db, register_handler
):
    handler = register_handler(topics=["article.read"])
    row = publish_committed("article.read", {"n": 1})
    busy = [OperationalError("database table is locked")] * 2

    def mark_when_free(**kwargs):
        if busy:
            raise busy.pop()
        return mark_sent(**kwargs)

    with mock.patch("scholarnet.events.relay.mark_sent", side_effect=mark_when_free):
        assert relay_once() == 1

    row.refresh_from_db()
    assert row.sent_at is not None
    assert (row.claimed_until, row.attempts) == (None, 1)
    assert relay_once() == 0
    assert handler.applied_ids() == [row.event_id]
