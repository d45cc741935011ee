"""The shared delivery path, seen through the local transport of embedded mode."""

import datetime as dt
import uuid
from unittest import mock

import pytest
from django.db import transaction

from scholarnet.events import Event, publish, record_processed
from scholarnet.events.delivery import DatabaseDeadLetters, Outcome, backoff_delay, deliver
from scholarnet.events.models import DeadLetterEvent, OutboxEvent, ProcessedEvent
from scholarnet.events.registry import registry
from scholarnet.events.relay import relay_once


def publish_committed(event_type: str, payload: dict, *, key: str | None = None) -> OutboxEvent:
    with transaction.atomic():
        return publish(event_type, payload, key=key)


def make_event(event_type: str = "comment.created") -> Event:
    return Event(
        event_id=uuid.uuid4(),
        type=event_type,
        version=1,
        occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        payload={"comment_id": 1},
        key="article:1",
    )


def test_a_handler_that_keeps_failing_is_dead_lettered_and_later_events_still_flow(
    db, settings, register_handler
):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 2
    handler = register_handler(topics=["comment.created"], idempotent=True)
    poison = publish_committed("comment.created", {"comment_id": 1}, key="article:1")
    later = publish_committed("comment.created", {"comment_id": 2}, key="article:1")
    handler.always_fail.add(poison.event_id)

    assert relay_once() == 2

    assert [event.event_id for event in handler.calls].count(poison.event_id) == 3
    assert handler.applied_ids() == [later.event_id]
    # Scoped to this handler's group: the app's own consumers of the topic (notifications) also
    # dead-letter a payload this test made up.
    letter = DeadLetterEvent.objects.get(group=handler.group)
    assert (letter.group, letter.event_id, letter.type, letter.key, letter.attempts) == (
        handler.group,
        poison.event_id,
        "comment.created",
        "article:1",
        3,
    )
    assert letter.envelope["payload"] == {"comment_id": 1}
    assert f"RuntimeError: handler failed on {poison.event_id}" in letter.error
    # The failed attempts left no idempotency record, so a replay will run the handler again.
    assert list(
        ProcessedEvent.objects.filter(group=handler.group).values_list("event_id", flat=True)
    ) == [later.event_id]
    assert OutboxEvent.objects.filter(sent_at__isnull=True).count() == 0


def test_a_handler_that_recovers_within_its_retries_applies_the_event(
    db, settings, register_handler
):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 2
    handler = register_handler(topics=["reward.changed"])
    row = publish_committed("reward.changed", {"reward_id": 3})
    handler.fail_times[row.event_id] = 2

    assert relay_once() == 1

    assert len(handler.calls) == 3
    assert handler.applied_ids() == [row.event_id]
    # This test's group only: the apps' own consumers of the type refuse its made-up payload.
    assert not DeadLetterEvent.objects.filter(group=handler.group).exists()


def test_one_groups_failure_does_not_touch_another_group(db, register_handler):
    failing = register_handler(topics=["payment.changed"])
    healthy = register_handler(topics=["payment.changed"])
    row = publish_committed("payment.changed", {"payment_id": 8})
    failing.always_fail.add(row.event_id)

    assert relay_once() == 1

    assert healthy.applied_ids() == [row.event_id]
    # Only the two groups of this test: the apps' own consumers of the type see it too.
    mine = DeadLetterEvent.objects.filter(group__in=[failing.group, healthy.group])
    assert list(mine.values_list("group", flat=True)) == [failing.group]


def test_retries_wait_with_exponential_backoff(db, settings, register_handler):
    settings.EVENTS_CONSUMER_MAX_RETRIES = 3
    settings.EVENTS_CONSUMER_RETRY_BACKOFF = 0.5
    handler = register_handler(topics=["comment.created"])
    event = make_event()
    handler.always_fail.add(event.event_id)
    sleep = mock.Mock()

    outcome = deliver(
        registry.handler_for(handler.group, "comment.created"),
        event,
        dead_letters=DatabaseDeadLetters(),
        sleep=sleep,
    )

    assert outcome is Outcome.DEAD_LETTERED
    assert [c.args[0] for c in sleep.call_args_list] == [0.5, 1.0, 2.0]


def test_backoff_is_capped():
    assert backoff_delay(1, base=1.0) == 1.0
    assert backoff_delay(4, base=1.0) == 8.0
    assert backoff_delay(20, base=1.0) == 30.0


def test_an_idempotent_handler_applies_a_redelivered_event_once(db, register_handler):
    handler = register_handler(topics=["comment.deleted"], idempotent=True)
    definition = registry.handler_for(handler.group, "comment.deleted")
    event = make_event("comment.deleted")

    first = deliver(definition, event, dead_letters=DatabaseDeadLetters())
    second = deliver(definition, event, dead_letters=DatabaseDeadLetters())

    assert (first, second) == (Outcome.APPLIED, Outcome.DUPLICATE)
    assert handler.applied_ids() == [event.event_id]


def test_a_failed_attempt_of_an_idempotent_handler_rolls_back_its_writes(db, register_handler):
    handler = register_handler(topics=["comment.deleted"], idempotent=True)
    event = make_event("comment.deleted")

    def write_then_fail(received: Event) -> None:
        publish("search.any", {"written_by": "the failing handler"})
        raise RuntimeError("after writing")

    handler.on_apply = write_then_fail
    deliver(
        registry.handler_for(handler.group, "comment.deleted"),
        event,
        dead_letters=DatabaseDeadLetters(),
    )

    assert OutboxEvent.objects.count() == 0
    assert ProcessedEvent.objects.count() == 0
    assert DeadLetterEvent.objects.filter(event_id=event.event_id).count() == 1


def test_record_processed_is_true_once_per_group_and_event(db):
    event_id = uuid.uuid4()

    with transaction.atomic():
        assert record_processed(group="search", event_id=event_id) is True
        assert record_processed(group="search", event_id=event_id) is False
        assert record_processed(group="feed", event_id=event_id) is True

    assert ProcessedEvent.objects.count() == 2


def record_then_fail(event_id: uuid.UUID) -> None:
    with transaction.atomic():
        record_processed(group="search", event_id=event_id)
        raise RuntimeError("the handler failed")


def test_record_processed_rolls_back_with_the_handlers_transaction(db):
    event_id = uuid.uuid4()

    with pytest.raises(RuntimeError):
        record_then_fail(event_id)

    assert ProcessedEvent.objects.count() == 0
