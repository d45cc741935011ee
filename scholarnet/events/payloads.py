"""Typed event payloads: each app declares its events in ``apps/<app>/events.py``.

A payload is a frozen dataclass subclassing :class:`EventPayload` with its ``TYPE`` (one of
``KNOWN_TYPES``), ``VERSION`` and partition key. Producers build one and hand it to
:func:`publish_event`; consumers turn the envelope back into it with ``from_event``, so a
field is spelled once, where the event is born::

    @dataclass(frozen=True, kw_only=True)
    class LikeChanged(EventPayload):
        TYPE: ClassVar[str] = "like.changed"
        user_id: int
        article_id: int
        liked: bool

        def key(self) -> str:
            return f"article:{self.article_id}"

A payload carries state, never a delta, so a duplicate or a late event cannot corrupt a
consumer. New optional fields (with defaults) keep ``VERSION``; a renamed or removed field, or
a changed meaning, bumps it. ``from_event`` ignores fields it does not know, so an older
consumer reads a newer producer's events.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Self

from scholarnet.events.envelope import Event

if TYPE_CHECKING:
    from scholarnet.events.models import OutboxEvent


class WrongEventType(ValueError):
    """``from_event`` was handed an event of another type."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class EventPayload:
    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    def key(self) -> str:
        """The partition key: events with one key reach a consumer in publish order."""
        raise NotImplementedError

    def as_payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_event(cls, event: Event) -> Self:
        if event.type != cls.TYPE:
            raise WrongEventType(f"{cls.__name__} reads {cls.TYPE!r}, not {event.type!r}")
        values = {}
        for name, is_datetime in _fields_of(cls).items():
            if name in event.payload:
                value = event.payload[name]
                values[name] = datetime.fromisoformat(value) if is_datetime and value else value
        return cls(**values)


_FIELDS: dict[type, dict[str, bool]] = {}


def _fields_of(cls: type) -> dict[str, bool]:
    """Field name → whether it holds a datetime (sent as ISO 8601 text), per payload class."""
    known = _FIELDS.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls)
        known = {
            field.name: datetime in (hints[field.name], *typing.get_args(hints[field.name]))
            for field in dataclasses.fields(cls)
        }
        _FIELDS[cls] = known
    return known


def publish_event(payload: EventPayload, *, occurred_at: datetime | None = None) -> OutboxEvent:
    """Write ``payload`` to the outbox in the caller's transaction (see ``publish``)."""
    from scholarnet.events.publishing import publish

    return publish(
        payload.TYPE,
        payload.as_payload(),
        key=payload.key(),
        version=payload.VERSION,
        occurred_at=occurred_at,
    )
