"""The event types of the platform and how they map to Kafka topic and group names.

This is the one list of known types: ``publish`` and the ``consumer`` decorator both check
against it, so a typo fails at the call site instead of creating a topic nobody reads.
"""

from __future__ import annotations

from django.conf import settings

KNOWN_TYPES: frozenset[str] = frozenset(
    {
        "article.published",
        "article.withdrawn",
        "article.read",
        "like.changed",
        "collect.changed",
        "follow.changed",
        "comment.created",
        "comment.deleted",
        "payment.changed",
        "reward.changed",
        "user.changed",
        "search.any",
        "migrator.fix",
        "moderation.action",
    }
)

DEAD_LETTER_SUFFIX = ".dlq"


class UnknownEventType(ValueError):
    """Raised for an event type that is not in ``KNOWN_TYPES``."""


def check_type(event_type: str) -> str:
    if event_type not in KNOWN_TYPES:
        raise UnknownEventType(
            f"unknown event type {event_type!r}; known types: {', '.join(sorted(KNOWN_TYPES))}"
        )
    return event_type


def topic_for(event_type: str) -> str:
    """The Kafka topic of an event type; the prefix keeps environments sharing a broker apart."""
    return f"{settings.EVENTS_TOPIC_PREFIX}{event_type}"


def type_for(topic: str) -> str:
    return topic.removeprefix(settings.EVENTS_TOPIC_PREFIX)


def group_id_for(group: str) -> str:
    return f"{settings.EVENTS_TOPIC_PREFIX}{group}"


def dead_letter_topic_for(group: str) -> str:
    """One dead-letter topic per consumer group, not per event type.

    A failure belongs to one group's handler: the other groups handled the same event fine.
    Keeping each group's failures apart means replaying them re-runs only that group, and an
    operator triaging the search indexer sees only the search indexer's failures.
    """
    return f"{settings.EVENTS_TOPIC_PREFIX}{group}{DEAD_LETTER_SUFFIX}"
