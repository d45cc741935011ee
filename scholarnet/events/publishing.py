"""``publish``: write an event to the outbox inside the caller's transaction.

The row commits or rolls back with the caller's writes, so an event is never sent for a change
that did not happen and never lost for one that did. Delivery happens later, by the relay.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scholarnet.events.metrics import events_published
from scholarnet.events.models import OutboxEvent
from scholarnet.events.topics import check_type

logger = logging.getLogger(__name__)

KEY_MAX_LENGTH = OutboxEvent._meta.get_field("key").max_length or 200


def publish(
    type: str,  # the envelope field name, so call sites read like the contract
    payload: dict[str, Any],
    *,
    key: str | None = None,
    version: int = 1,
    occurred_at: datetime | None = None,
    using: str = "default",
) -> OutboxEvent:
    """Add an event to the outbox in the current transaction and return its row.

    ``key`` is the partition key ("article:42"): events with one key reach consumers in
    publish order. Raises ``UnknownEventType`` for a type not in ``KNOWN_TYPES``.
    """
    check_type(type)
    _check_key_and_version(key=key, version=version)
    row = OutboxEvent.objects.using(using).create(
        type=type,
        version=version,
        key=key or "",
        payload=_normalised(payload),
        occurred_at=occurred_at or timezone.now(),
    )
    transaction.on_commit(lambda: _after_commit(event_type=type), using=using)
    return row


def _check_key_and_version(*, key: str | None, version: int) -> None:
    if key is not None and len(key) > KEY_MAX_LENGTH:
        raise ValueError(f"event key longer than {KEY_MAX_LENGTH} characters")
    if version < 1:
        raise ValueError("event version starts at 1")


def _normalised(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as consumers will see it, so the outbox row already holds the wire form.

    orjson turns datetimes, UUIDs and dataclasses into JSON now; anything it cannot encode
    fails here, at the publishing call site, instead of in the relay later.
    """
    if not isinstance(payload, dict):
        raise TypeError("an event payload is a dict")
    return orjson.loads(orjson.dumps(payload))


def _after_commit(*, event_type: str) -> None:
    events_published.labels(event_type).inc()
    if settings.EVENTS_RELAY_NUDGE:
        from scholarnet.events.tasks import nudge_relay

        nudge_relay()
