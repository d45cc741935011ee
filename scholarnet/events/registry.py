"""Which handler each consumer group runs for each event type.

Apps declare handlers in ``apps/<app>/consumers.py``; ``EventsConfig.ready`` imports those
modules, so the registry is complete before the relay or a consumer runs::

    from scholarnet.events import Event, consumer

    @consumer(group="search", topics=["article.published", "article.withdrawn"], idempotent=True)
    def index_article(event: Event) -> None: ...

A group has at most one handler per event type. That keeps "group G handled event E" a single,
recordable fact, which the idempotency record (``ProcessedEvent``: group, event_id) relies on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from scholarnet.events.envelope import Event
from scholarnet.events.topics import check_type

HandlerFunc = Callable[[Event], None]

# Group names become Kafka group ids and dead-letter topic names, so they use topic characters.
GROUP_NAME = re.compile(r"[a-zA-Z0-9_-][a-zA-Z0-9._-]{0,99}")


@dataclass(frozen=True, slots=True)
class Handler:
    group: str
    event_type: str
    func: HandlerFunc
    idempotent: bool

    @property
    def name(self) -> str:
        # Callable objects have no __qualname__ of their own; their class names them.
        qualname = getattr(self.func, "__qualname__", type(self.func).__qualname__)
        return f"{self.func.__module__}.{qualname}"


class Registry:
    def __init__(self) -> None:
        self._handlers: dict[str, dict[str, Handler]] = {}

    def register(self, handler: Handler) -> None:
        by_type = self._handlers.setdefault(handler.group, {})
        existing = by_type.get(handler.event_type)
        # Re-importing a consumers module registers the same function again; that is harmless.
        if existing is not None and existing.name != handler.name:
            raise ImproperlyConfigured(
                f"group {handler.group!r} already handles {handler.event_type!r} with "
                f"{existing.name}; one handler per group and type"
            )
        by_type[handler.event_type] = handler

    def unregister_group(self, group: str) -> None:
        self._handlers.pop(group, None)

    def groups(self) -> list[str]:
        return sorted(self._handlers)

    def types_for(self, group: str) -> list[str]:
        return sorted(self._handlers.get(group, {}))

    def handler_for(self, group: str, event_type: str) -> Handler | None:
        return self._handlers.get(group, {}).get(event_type)

    def handlers_for_type(self, event_type: str) -> list[Handler]:
        """Every group's handler for a type, in group order (the local transport's fan-out)."""
        return [
            by_type[event_type]
            for _group, by_type in sorted(self._handlers.items())
            if event_type in by_type
        ]


registry = Registry()


def consumer(
    *, group: str, topics: Iterable[str], idempotent: bool = False
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register the decorated function as ``group``'s handler for each type in ``topics``.

    With ``idempotent=True`` the handler runs inside a transaction that also records
    (group, event_id); a redelivered event finds the record and the handler is skipped. Use it
    whenever the handler's effects live in the database, which is nearly always.
    """
    event_types = [check_type(event_type) for event_type in topics]
    if not GROUP_NAME.fullmatch(group) or not event_types:
        raise ImproperlyConfigured(
            f"a consumer needs a group name of [a-zA-Z0-9._-] (got {group!r}) and a topic"
        )

    def decorate(func: HandlerFunc) -> HandlerFunc:
        for event_type in event_types:
            registry.register(
                Handler(group=group, event_type=event_type, func=func, idempotent=idempotent)
            )
        return func

    return decorate
