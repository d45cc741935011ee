"""The one path an event takes into a handler, shared by the Kafka consumer and the local
transport so a handler behaves the same in both run modes: idempotency record, bounded retries
with exponential backoff, and a dead letter when the retries are spent.
"""

from __future__ import annotations

import enum
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from scholarnet.events.envelope import Event
from scholarnet.events.metrics import events_handled
from scholarnet.events.models import DeadLetterEvent, ProcessedEvent
from scholarnet.events.registry import Handler

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    DEAD_LETTERED = "dead_lettered"


@dataclass(frozen=True, slots=True)
class Failure:
    handler: Handler
    event: Event
    error: BaseException
    attempts: int

    def error_text(self) -> str:
        return "".join(traceback.format_exception_only(self.error)).strip()


class DeadLetterSink(Protocol):
    def record(self, failure: Failure) -> None: ...


class DatabaseDeadLetters:
    """Dead letters of the local transport: rows an operator can inspect in the admin."""

    def record(self, failure: Failure) -> None:
        event = failure.event
        DeadLetterEvent.objects.update_or_create(
            group=failure.handler.group,
            event_id=event.event_id,
            defaults={
                "handler": failure.handler.name,
                "type": event.type,
                "key": event.key or "",
                "envelope": event.envelope(),
                "error": failure.error_text(),
                "attempts": failure.attempts,
                "created_at": timezone.now(),
            },
        )


def record_processed(*, group: str, event_id: uuid.UUID) -> bool:
    """Record that ``group`` applied the event; False when it already had.

    Call it inside the ``transaction.atomic()`` that holds the handler's writes: the record
    then commits or rolls back with them. The unique constraint, not a prior read, decides, so
    two consumers racing on a redelivered event cannot both apply it.
    """
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(group=group, event_id=event_id)
    except IntegrityError:
        return False
    return True


def run_handler(handler: Handler, event: Event) -> bool:
    """One attempt; False when an idempotent handler had already applied the event."""
    if not handler.idempotent:
        handler.func(event)
        return True
    with transaction.atomic():
        if not record_processed(group=handler.group, event_id=event.event_id):
            return False
        handler.func(event)
    return True


def backoff_delay(attempt: int, *, base: float) -> float:
    return min(base * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def deliver(
    handler: Handler,
    event: Event,
    *,
    dead_letters: DeadLetterSink,
    sleep: Callable[[float], object] = time.sleep,
) -> Outcome:
    """Run the handler, retrying failures; dead-letter the event once retries are spent."""
    max_retries = settings.EVENTS_CONSUMER_MAX_RETRIES
    for attempt in range(1, max_retries + 2):
        try:
            applied = run_handler(handler, event)
        except Exception as error:
            if attempt > max_retries:
                return _dead_letter(Failure(handler, event, error, attempt), dead_letters)
            logger.warning(
                "event handler failed, will retry",
                extra={"group": handler.group, "event_id": str(event.event_id), "attempt": attempt},
                exc_info=True,
            )
            sleep(backoff_delay(attempt, base=settings.EVENTS_CONSUMER_RETRY_BACKOFF))
        else:
            outcome = Outcome.APPLIED if applied else Outcome.DUPLICATE
            events_handled.labels(handler.group, event.type, outcome.value).inc()
            return outcome
    raise AssertionError("unreachable: the last attempt either returns or dead-letters")


def _dead_letter(failure: Failure, dead_letters: DeadLetterSink) -> Outcome:
    logger.error(
        "event handler gave up, dead-lettering the event",
        extra={
            "group": failure.handler.group,
            "event_id": str(failure.event.event_id),
            "type": failure.event.type,
            "attempts": failure.attempts,
        },
        exc_info=failure.error,
    )
    dead_letters.record(failure)
    events_handled.labels(failure.handler.group, failure.event.type, "dead_lettered").inc()
    return Outcome.DEAD_LETTERED
