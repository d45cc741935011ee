"""Celery tasks: the relay of ``EVENTS_RELAY_MODE=beat`` (nudged after each commit, and on beat
as the safety net), the pruning of old outbox and idempotency rows, and the measure of the
pipeline's backlog for its gauges."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from scholarnet.events.models import OutboxEvent, ProcessedEvent
from scholarnet.events.monitoring import backlog_measure
from scholarnet.events.relay import relay_once
from scholarnet.jobs.runs import periodic_job

logger = logging.getLogger(__name__)

# Set while a relay task is queued; publishes that find it set need not queue another.
NUDGE_KEY = "events:relay:nudged"
MAX_BATCHES_PER_TASK = 20
PRUNE_CHUNK = 5_000


def nudge_relay() -> None:
    """Queue one relay run soon after a commit, coalescing the nudges of a burst of publishes.

    The relay task clears the flag before it claims, so an event committed after that point
    queues a new run; one committed before it is in the run's claim. If Redis or the broker is
    down the event still goes out on the next beat run.
    """
    if settings.EVENTS_RELAY_MODE != "beat":
        return  # the relay_outbox --loop processes pick the event up on their own
    try:
        if cache.add(NUDGE_KEY, 1, timeout=settings.EVENTS_RELAY_CLAIM_TIMEOUT):
            _queue_relay_run()
    except Exception:
        logger.warning("could not nudge the event relay; beat will run it", exc_info=True)


def _queue_relay_run() -> None:
    try:
        relay_outbox.delay()
    except Exception:
        # No run was queued, so nothing will clear the flag: clear it here, or every nudge
        # until it expires would be coalesced into a run that does not exist.
        cache.delete(NUDGE_KEY)
        raise


@shared_task(ignore_result=True)
def relay_outbox() -> int:
    """Drain the outbox: full batches back to back, up to a bound so one task stays short.

    Only in ``EVENTS_RELAY_MODE=beat``: in ``loop`` mode a run still queued from before a
    switch does nothing, so one relay path runs per deployment.
    """
    if settings.EVENTS_RELAY_MODE != "beat":
        return 0
    cache.delete(NUDGE_KEY)
    batch_size = settings.EVENTS_RELAY_BATCH_SIZE
    total = 0
    for _batch in range(MAX_BATCHES_PER_TASK):
        sent = relay_once(batch_size=batch_size)
        total += sent
        if sent < batch_size:
            break
    return total


@shared_task(ignore_result=True)
def prune_events() -> dict[str, int]:
    """Delete sent outbox rows and idempotency records past their retention, in chunks."""
    now = timezone.now()
    outbox_cutoff = now - timedelta(days=settings.EVENTS_OUTBOX_RETENTION_DAYS)
    processed_cutoff = now - timedelta(days=settings.EVENTS_PROCESSED_RETENTION_DAYS)
    return {
        "outbox": _delete_in_chunks(OutboxEvent.objects.filter(sent_at__lt=outbox_cutoff)),
        "processed": _delete_in_chunks(
            ProcessedEvent.objects.filter(processed_at__lt=processed_cutoff)
        ),
    }


def _delete_in_chunks(queryset: QuerySet[Any]) -> int:
    # Short deletes keep row locks and replication lag small on a large table.
    deleted = 0
    while ids := list(queryset.values_list("id", flat=True)[:PRUNE_CHUNK]):
        deleted += queryset.model.objects.filter(id__in=ids).delete()[0]
    return deleted


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=60)
def measure_backlog() -> None:
    """Outbox backlog, every group's lag and dead letters into the gauges (``monitoring``)."""
    backlog_measure()
