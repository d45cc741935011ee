import datetime as dt
import uuid

import pytest
from django.db import transaction

from scholarnet.events import UnknownEventType, publish
from scholarnet.events.models import OutboxEvent
from scholarnet.events.relay import relay_once


def test_publish_writes_one_outbox_row_with_the_envelope_fields(db):
    occurred_at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)

    row = publish(
        "article.published",
        {"article_id": 42, "title": "On Graphs"},
        key="article:42",
        version=2,
        occurred_at=occurred_at,
    )

    stored = OutboxEvent.objects.get()
    assert stored.pk == row.pk
    assert stored.type == "article.published"
    assert stored.key == "article:42"
    assert stored.version == 2
    assert stored.payload == {"article_id": 42, "title": "On Graphs"}
    assert stored.occurred_at == occurred_at
    assert stored.sent_at is None
    assert stored.attempts == 0


def test_publish_stores_the_payload_in_its_json_wire_form(db):
    author = uuid.UUID("12345678-1234-5678-1234-567812345678")
    at = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)

    row = publish("user.changed", {"user_id": author, "at": at})

    row.refresh_from_db()
    assert row.payload == {"user_id": str(author), "at": "2026-05-06T07:08:09+00:00"}


def test_publish_in_a_rolled_back_transaction_leaves_nothing_to_deliver(
    db, register_handler, django_capture_on_commit_callbacks
):
    handler = register_handler(topics=["article.published"])

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        publish_in_a_failing_transaction()

    assert OutboxEvent.objects.count() == 0
    assert callbacks == []
    assert relay_once() == 0
    assert handler.calls == []


def publish_in_a_failing_transaction() -> None:
    with transaction.atomic():
        publish("article.published", {"article_id": 1}, key="article:1")
        raise RuntimeError("the article write failed")


def test_publish_of_an_unknown_type_raises_and_writes_nothing(db):
    with pytest.raises(UnknownEventType, match=r"article\.deleted"):
        publish("article.deleted", {"article_id": 1})

    assert OutboxEvent.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "options", "error"),
    [
        (["not", "a", "dict"], {}, TypeError),
        ({"unencodable": object()}, {}, TypeError),
        ({}, {"version": 0}, ValueError),
        ({}, {"key": "k" * 201}, ValueError),
    ],
)
def test_publish_rejects_bad_input_and_writes_nothing(db, payload, options, error):
    with pytest.raises(error):
        publish("article.read", payload, **options)

    assert OutboxEvent.objects.count() == 0


def test_publish_after_commit_nudges_the_relay_which_delivers_at_once(
    db, settings, register_handler, django_capture_on_commit_callbacks
):
    settings.EVENTS_RELAY_NUDGE = True  # Celery runs eagerly under test settings
    handler = register_handler(topics=["comment.created"])

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        row = publish("comment.created", {"comment_id": 7}, key="article:3")

    assert handler.applied_ids() == [row.event_id]
    row.refresh_from_db()
    assert row.sent_at is not None
