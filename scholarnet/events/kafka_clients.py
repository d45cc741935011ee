"""kafka-python clients configured the way the event pipeline needs them."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

from django.conf import settings
from kafka import KafkaConsumer, KafkaProducer

logger = logging.getLogger(__name__)

# Every wait of a send stays well under the relay's claim timeout (30 s by default): a send
# that is still blocked when the claim expires would race a second relay sending the same rows.
REQUEST_TIMEOUT_MS = 10_000
DELIVERY_TIMEOUT_MS = 20_000
MAX_BLOCK_MS = 10_000
# The brokers notice a dead consumer within 6 s and a new one joins in about 3 s, instead of
# the 45 s / 23 s of the defaults; a redeploy then pauses a group for seconds.
SESSION_TIMEOUT_MS = 6_000
HEARTBEAT_INTERVAL_MS = 2_000

# How long closing a failed producer may wait for its in-flight requests; its unacknowledged
# records are failed either way, and their rows stay unsent for the next relay run.
CLOSE_TIMEOUT_SECONDS = 1.0

_producer_lock = threading.Lock()
_producers: dict[tuple[str, ...], KafkaProducer] = {}


def bootstrap_servers() -> list[str]:
    servers = list(settings.KAFKA_BOOTSTRAP_SERVERS)
    if not servers:
        raise RuntimeError("EVENTS_TRANSPORT=kafka needs KAFKA_BOOTSTRAP_SERVERS")
    return servers


def shared_producer() -> KafkaProducer:
    """One producer per process and broker list: it is thread-safe and costly to start.

    It lives until ``discard_producer`` drops it; the next call then builds a new one.
    """
    servers = tuple(bootstrap_servers())
    with _producer_lock:
        producer = _producers.get(servers)
        if producer is None:
            producer = _producers[servers] = _new_producer(servers)
        return producer


def discard_producer(producer: KafkaProducer) -> None:
    """Close a producer that failed a send and forget it, so the next send starts afresh.

    An idempotent producer whose broker lost its state (a restart of a broker without durable
    storage) answers every later send with a sequence or producer-id error and, once in that
    fatal state, aborts every batch for good. A new producer asks for a new producer id.
    """
    with _producer_lock:
        for servers, cached in list(_producers.items()):
            if cached is producer:
                del _producers[servers]
    try:
        producer.close(timeout=CLOSE_TIMEOUT_SECONDS)
    except Exception:
        logger.warning("closing a failed kafka producer failed", exc_info=True)


def _new_producer(servers: tuple[str, ...]) -> KafkaProducer:
    # acks=all + idempotence: a send is acknowledged only when every in-sync replica has it,
    # and the producer's own retries cannot duplicate or reorder records within a partition.
    return KafkaProducer(
        bootstrap_servers=list(servers),
        client_id="scholarnet-events",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        request_timeout_ms=REQUEST_TIMEOUT_MS,
        delivery_timeout_ms=DELIVERY_TIMEOUT_MS,
        max_block_ms=MAX_BLOCK_MS,
    )


def new_consumer(
    *, group_id: str, topics: Iterable[str], max_poll_records: int, max_poll_interval_ms: int
) -> KafkaConsumer:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers(),
        client_id=f"scholarnet-{group_id}",
        group_id=group_id,
        # Offsets are committed by the runner after the handlers ran, never on a timer.
        enable_auto_commit=False,
        # A new group starts at the beginning: events published before its first deploy count.
        auto_offset_reset="earliest",
        max_poll_records=max_poll_records,
        max_poll_interval_ms=max_poll_interval_ms,
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
    )
    consumer.subscribe(topics=list(topics))
    return consumer
