"""Domain events: a transactional outbox, a relay, Kafka and in-process transports, consumers.

Usage::

    from scholarnet.events import Event, consumer, publish

    publish("article.published", {"article_id": 42}, key="article:42")

    @consumer(group="search", topics=["article.published"], idempotent=True)
    def index_article(event: Event) -> None: ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scholarnet.events.envelope import Event
from scholarnet.events.registry import consumer
from scholarnet.events.topics import KNOWN_TYPES, UnknownEventType

if TYPE_CHECKING:
    from scholarnet.events.delivery import record_processed
    from scholarnet.events.publishing import publish

__all__ = ["KNOWN_TYPES", "Event", "UnknownEventType", "consumer", "publish", "record_processed"]


def __getattr__(name: str) -> Any:
    # These import models, which must wait until the app registry is ready; this package itself
    # is imported earlier, when Django loads INSTALLED_APPS.
    if name == "publish":
        from scholarnet.events.publishing import publish

        return publish
    if name == "record_processed":
        from scholarnet.events.delivery import record_processed

        return record_processed
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
