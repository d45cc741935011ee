"""The event as handlers see it, and its wire form: ``{event_id, type, version, occurred_at,
payload}`` as JSON. The partition key travels as the Kafka message key, not in the envelope."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from scholarnet.events.models import OutboxEvent


class MalformedEnvelope(ValueError):
    """A message whose value is not a valid envelope; it can only be dead-lettered."""


@dataclass(frozen=True, slots=True)
class Event:
    event_id: uuid.UUID
    type: str
    version: int
    occurred_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    key: str | None = None

    @classmethod
    def from_outbox(cls, row: OutboxEvent) -> Event:
        return cls(
            event_id=row.event_id,
            type=row.type,
            version=row.version,
            occurred_at=row.occurred_at,
            payload=row.payload,
            key=row.key or None,
        )

    def envelope(self) -> dict[str, Any]:
        return {
            "event_id": str(self.event_id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat(),
            "payload": self.payload,
        }


def encode(event: Event) -> bytes:
    return orjson.dumps(event.envelope())


def decode(value: bytes | None, *, key: bytes | None = None) -> Event:
    try:
        data = orjson.loads(value or b"")
        if not isinstance(data, dict) or not isinstance(data.get("payload"), dict):
            raise TypeError("the envelope and its payload must be JSON objects")
        return Event(
            event_id=uuid.UUID(data["event_id"]),
            type=str(data["type"]),
            version=int(data["version"]),
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            payload=data["payload"],
            key=key.decode() if key else None,
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise MalformedEnvelope(f"not an event envelope: {error}") from error
