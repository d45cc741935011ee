"""The relay: move committed outbox rows to the transport, at least once, in key order.

Each run claims a batch of unsent rows, sends them outside the claiming transaction (a slow
broker must not hold database locks), then marks the delivered rows sent. A relay that dies
after claiming or after sending leaves its claim to expire; another relay then sends those rows
again. Duplicates are possible, loss is not, which is why handlers are idempotent.

Two relays may run at once (beat, a nudged task, ``relay_outbox --loop``). On MySQL/MariaDB and
PostgreSQL the claim skips rows another relay is locking (SKIP LOCKED); on SQLite the claiming
transaction holds the database's single write lock, so claims are serialised anyway. In both
cases the UPDATE re-checks that each row is still claimable, so a row has one owner at a time.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, close_old_connections, connections
from django.db.models import F, Min, Q
from django.utils import timezone

from scholarnet.events.envelope import Event
from scholarnet.events.metrics import events_relay_failures, events_relayed
from scholarnet.events.models import OutboxEvent
from scholarnet.events.relay_health import relay_record_failure, relay_record_success
from scholarnet.events.transports import Transport, get_transport
from scholarnet.leases import Lease, Leases

logger = logging.getLogger(__name__)

MAX_ERROR_BACKOFF_SECONDS = 10.0
MARK_ATTEMPTS = 6
MARK_RETRY_SECONDS = 0.01


# Rows of the outbox a relay owns until ``claimed_until`` (the kernel's lease helper).
OUTBOX_LEASES: Leases[OutboxEvent] = Leases(
    OutboxEvent, owner_field="claim_token", until_field="claimed_until"
)
Claim = Lease[OutboxEvent]


@dataclass(frozen=True, slots=True)
class RelayRun:
    claimed: int
    delivered: int

    @property
    def failed(self) -> bool:
        return self.delivered < self.claimed


def relay_once(
    *, batch_size: int | None = None, transport: Transport | None = None, using: str = "default"
) -> int:
    """Claim, send and mark one batch; returns how many events were delivered."""
    return relay_batch(batch_size=batch_size, transport=transport, using=using).delivered


def relay_batch(
    *, batch_size: int | None = None, transport: Transport | None = None, using: str = "default"
) -> RelayRun:
    """One batch: claim, send, mark what the transport delivered, release the rest."""
    claim = claim_batch(batch_size=batch_size or settings.EVENTS_RELAY_BATCH_SIZE, using=using)
    if not claim.rows:
        return RelayRun(claimed=0, delivered=0)
    events = [Event.from_outbox(row) for row in claim.rows]
    try:
        delivered = set((transport or get_transport()).send(events))
    except Exception as error:
        release(claim, ids=[row.pk for row in claim.rows], error=repr(error), using=using)
        relay_record_failure()
        raise
    _mark_delivered(ids=[row.pk for row in claim.rows if row.event_id in delivered], using=using)
    failed = [row for row in claim.rows if row.event_id not in delivered]
    if failed:
        release(claim, ids=[row.pk for row in failed], error="not delivered", using=using)
        relay_record_failure()
    else:
        relay_record_success()
    _count(claim.rows, delivered)
    return RelayRun(claimed=len(claim.rows), delivered=len(delivered))


def claim_batch(*, batch_size: int, using: str = "default") -> Claim:
    """Lease up to ``batch_size`` unsent rows, oldest first, keeping each key's order."""
    return OUTBOX_LEASES.claim(
        due=Q(sent_at__isnull=True),
        limit=batch_size,
        seconds=settings.EVENTS_RELAY_CLAIM_TIMEOUT,
        update={"attempts": F("attempts") + 1},
        choose=lambda candidates: _keep_key_order(candidates, using=using),
        choose_fields=("id", "key"),
        order_by=("id",),
        using=using,
    )


def _keep_key_order(candidates: list[tuple[int, str]], *, using: str) -> list[int]:
    """Drop candidates that have an older unsent row of the same key outside this batch.

    That older row is claimed (or being claimed) by another relay; sending the newer one now
    could overtake it. It waits for the next run instead, so one key's events leave in order.
    """
    mine = [pk for pk, _key in candidates]
    keys = {key for _pk, key in candidates if key}
    if not keys:
        return mine
    older_elsewhere = dict(
        OutboxEvent.objects.using(using)
        .filter(sent_at__isnull=True, key__in=keys)
        .exclude(id__in=mine)
        .order_by()
        .values("key")
        .annotate(first_id=Min("id"))
        .values_list("key", "first_id")
    )
    return [pk for pk, key in candidates if not key or pk < older_elsewhere.get(key, pk + 1)]


def mark_sent(*, ids: Iterable[int], using: str = "default") -> int:
    # Not filtered by claim token: if the claim expired meanwhile the row was still sent, and
    # marking it spares the relay that took it over from sending it a third time.
    return (
        OutboxEvent.objects.using(using)
        .filter(id__in=list(ids), sent_at__isnull=True)
        .update(sent_at=timezone.now(), claimed_until=None, last_error="")
    )


def _mark_delivered(*, ids: list[int], using: str) -> None:
    """Mark delivered rows sent, retrying a busy database a few times.

    These events are on the transport already: giving up here leaves their rows claimed until
    the claim expires and then sends them a second time. SQLite fails a writer outright when
    another holds the write lock (at once on a shared in-memory database, after its busy
    timeout on a file), so a short retry spares the duplicates.
    """
    for attempt in range(MARK_ATTEMPTS):
        try:
            mark_sent(ids=ids, using=using)
            return
        except OperationalError:
            if attempt == MARK_ATTEMPTS - 1 or connections[using].in_atomic_block:
                raise
            time.sleep(MARK_RETRY_SECONDS * 2**attempt)


def release(claim: Claim, *, ids: Iterable[int], error: str, using: str = "default") -> int:
    """Give up a claim early so the rows are retried on the next run, not after the timeout."""
    return OUTBOX_LEASES.release(
        claim,
        ids=list(ids),
        update={"last_error": error[:2000]},
        still=Q(sent_at__isnull=True),
        using=using,
    )


def _count(rows: list[OutboxEvent], delivered: set[uuid.UUID]) -> None:
    for row in rows:
        counter = events_relayed if row.event_id in delivered else events_relay_failures
        counter.labels(row.type).inc()


def relay_forever(
    *, stop: threading.Event, batch_size: int | None = None, interval: float | None = None
) -> None:
    """Relay until ``stop`` is set: full batches back to back, then a pause when idle.

    A run that raised or left rows undelivered backs off exponentially (capped), so a broker
    outage costs one attempt every few seconds, not a tight loop of failing sends.
    """
    batch_size = batch_size or settings.EVENTS_RELAY_BATCH_SIZE
    interval = settings.EVENTS_RELAY_INTERVAL if interval is None else interval
    failures = 0
    while not stop.is_set():
        try:
            run = relay_batch(batch_size=batch_size)
        except Exception:
            run = None
            logger.exception("relay run failed", extra={"consecutive_failures": failures + 1})
        if run is None or run.failed:
            failures += 1
            close_old_connections()
            stop.wait(min(interval * 2**failures, MAX_ERROR_BACKOFF_SECONDS))
            continue
        failures = 0
        if run.claimed < batch_size:
            close_old_connections()
            stop.wait(interval)
