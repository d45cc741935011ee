"""events_replay_dlq: dead letters run again through their group's handler after a fix."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from scholarnet.events import publish
from scholarnet.events.models import DeadLetterEvent, ProcessedEvent
from scholarnet.events.relay import relay_once

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("quick_retries")]


def publish_committed(event_type: str, payload: dict, *, key: str | None = None):
    with transaction.atomic():
        return publish(event_type, payload, key=key)


def replay(*args: str) -> str:
    out = StringIO()
    call_command("events_replay_dlq", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def letters(handler):
    # The app's own groups dead-letter these made-up payloads too; each test reads its group's.
    return DeadLetterEvent.objects.filter(group=handler.group)


@pytest.fixture
def local(settings):
    settings.EVENTS_TRANSPORT = "local"


@pytest.mark.usefixtures("local")
def test_after_the_fix_the_letters_are_applied_once_and_leave_the_table(register_handler):
    handler = register_handler(topics=["comment.created"])
    poisoned = [
        publish_committed("comment.created", {"comment_id": n}, key="article:1") for n in (1, 2)
    ]
    handler.always_fail.update(row.event_id for row in poisoned)
    relay_once()
    assert DeadLetterEvent.objects.filter(group=handler.group).count() == 2

    handler.always_fail.clear()  # the fix
    assert replay(handler.group).strip() == (
        "replayed 2, already applied 0, failed again 0, unreadable 0"
    )

    assert handler.applied_ids() == [row.event_id for row in poisoned]
    assert not DeadLetterEvent.objects.filter(group=handler.group).exists()
    assert ProcessedEvent.objects.filter(group=handler.group).count() == 2
    assert replay(handler.group).startswith("replayed 0,")
    assert len(handler.applied) == 2


@pytest.mark.usefixtures("local")
def test_type_and_limit_choose_the_oldest_letters_of_one_type(register_handler):
    handler = register_handler(topics=["comment.created", "comment.deleted"])
    created = [publish_committed("comment.created", {"n": n}) for n in range(3)]
    deleted = publish_committed("comment.deleted", {"n": 9})
    handler.always_fail.update(row.event_id for row in [*created, deleted])
    relay_once()
    handler.always_fail.clear()

    replay(handler.group, "--type", "comment.created", "--limit", "2")

    assert handler.applied_ids() == [created[0].event_id, created[1].event_id]
    left = set(letters(handler).values_list("event_id", flat=True))
    assert left == {created[2].event_id, deleted.event_id}


@pytest.mark.usefixtures("local")
def test_a_letter_that_fails_again_stays_with_the_new_error(register_handler):
    handler = register_handler(topics=["comment.created"])
    row = publish_committed("comment.created", {"comment_id": 1})
    handler.always_fail.add(row.event_id)
    relay_once()
    attempts = letters(handler).get().attempts

    with pytest.raises(CommandError, match="1 event\\(s\\) failed again"):
        replay(handler.group)

    letter = letters(handler).get()
    assert letter.attempts == attempts + 1
    assert letter.error == f"RuntimeError: handler failed on {row.event_id}"
    assert not ProcessedEvent.objects.filter(group=handler.group).exists()


@pytest.mark.usefixtures("local")
def test_a_letter_the_group_applied_since_is_a_duplicate_and_is_dropped(register_handler):
    handler = register_handler(topics=["comment.created"])
    row = publish_committed("comment.created", {"comment_id": 1})
    handler.always_fail.add(row.event_id)
    relay_once()
    ProcessedEvent.objects.create(group=handler.group, event_id=row.event_id)
    handler.always_fail.clear()

    assert replay(handler.group).startswith("replayed 0, already applied 1,")
    assert handler.applied == []
    assert not letters(handler).exists()


@pytest.mark.usefixtures("local")
def test_an_unknown_group_or_a_bad_limit_is_refused_and_changes_nothing(register_handler):
    handler = register_handler(topics=["comment.created"])
    row = publish_committed("comment.created", {"comment_id": 1})
    handler.always_fail.add(row.event_id)
    relay_once()

    with pytest.raises(CommandError, match="no consumer group 'nobody'"):
        replay("nobody")
    with pytest.raises(CommandError, match="--limit must be at least 1"):
        replay(handler.group, "--limit", "0")
    assert letters(handler).count() == 1


@pytest.mark.usefixtures("local")
def test_list_prints_the_letters_and_replays_none(register_handler):
    handler = register_handler(topics=["comment.created"])
    row = publish_committed("comment.created", {"comment_id": 1})
    handler.always_fail.add(row.event_id)
    relay_once()
    handler.always_fail.clear()

    out = replay(handler.group, "--list")

    assert out.startswith(f"{row.event_id} comment.created 2 RuntimeError: handler failed")
    assert letters(handler).count() == 1
    assert handler.applied == []


@pytest.mark.kafka
def test_kafka_letters_are_replayed_from_the_group_topic(settings, register_handler):
    from tests.platform.events.kafka_support import CountingRunner, run_until

    settings.EVENTS_TRANSPORT = "kafka"
    settings.EVENTS_TOPIC_PREFIX = f"test-{uuid.uuid4().hex[:12]}."
    handler = register_handler(topics=["comment.created"])
    poison = publish_committed("comment.created", {"comment_id": 1}, key="article:1")
    good = publish_committed("comment.created", {"comment_id": 2}, key="article:1")
    handler.always_fail.add(poison.event_id)
    assert relay_once() == 2
    runner = CountingRunner(handler.group, batch_timeout_ms=200)
    run_until(runner, lambda: runner.handled == 2)
    assert handler.applied_ids() == [good.event_id]

    assert replay(handler.group, "--list").startswith(f"{poison.event_id} comment.created 2 ")
    handler.always_fail.clear()
    assert replay(handler.group).startswith("replayed 1, already applied 0,")
    assert handler.applied_ids() == [good.event_id, poison.event_id]
    # The topic keeps its records; a second replay finds the event applied.
    assert replay(handler.group).startswith("replayed 0, already applied 1,")
    assert len(handler.applied) == 2
