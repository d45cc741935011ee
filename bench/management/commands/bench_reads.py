"""``manage.py bench_reads``: read-event cost on the request path and ingestion per consumer.

- ``emit``: microseconds per ``stream.emit`` call (what each article detail read pays).
- ingestion (``--via``): events per second through one consumer process, and SQL statements
  per batch. ``apply`` decodes envelopes and calls the batch handler directly (the consumer's
  own work); ``stream`` and ``kafka`` emit the events first, then drain them with the real
  runner (Redis stream consumer group, or Kafka consumer group).

Each run uses fresh reader keys, so every event is a new read and every batch writes.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.interactions import reads
from apps.interactions.models import ArticleStat
from scholarnet.events.envelope import Event, decode, encode
from scholarnet.events.stream import emit, emit_flush


class Command(BaseCommand):
    help = "Measure article.read emit cost and batch ingestion throughput."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--articles", type=int, default=10_000, help="distinct article ids")
        parser.add_argument("--via", choices=["apply", "stream", "kafka"], default="apply")
        parser.add_argument("--emit-calls", type=int, default=20_000)

    def handle(self, *args: Any, **options: Any) -> None:
        run = uuid.uuid4().hex[:8]
        self._emit_cost(options["emit_calls"], run)
        if options["via"] == "apply":
            self._apply(options["events"], options["articles"], run)
        else:
            self._through_transport(options["events"], options["articles"], run, options["via"])

    def _emit_cost(self, calls: int, run: str) -> None:
        payload = {"article_id": 1, "author_id": None, "reader": f"a:{run}"}
        began = time.perf_counter()
        for _call in range(calls):
            emit("article.read", dict(payload), key="article:1")
        elapsed = time.perf_counter() - began
        emit_flush()
        self.stdout.write(
            f"emit ({settings.EVENTS_TRANSPORT}): {elapsed / calls * 1e6:.1f} us/call "
            f"over {calls} calls"
        )

    def _apply(self, total: int, articles: int, run: str) -> None:
        size = int(settings.READS_BATCH_SIZE)
        wire = [encode(event) for event in _events(total, articles, run)]
        statements: list[int] = []
        began = time.perf_counter()
        for start in range(0, total, size):
            with CaptureQueriesContext(connection) as queries:
                reads.reads_apply([decode(value) for value in wire[start : start + size]])
            statements.append(sum(not _is_transaction_control(q["sql"]) for q in queries))
        self._report("apply", total, time.perf_counter() - began, statements)

    def _through_transport(self, total: int, articles: int, run: str, via: str) -> None:
        if (via == "kafka") != (settings.EVENTS_TRANSPORT == "kafka"):
            raise CommandError(
                f"--via {via} needs EVENTS_TRANSPORT={via.replace('stream', 'local')}"
            )
        expected = _read_total() + total
        for event in _events(total, articles, run):
            emit("article.read", event.payload, key=event.key)
        emit_flush()
        if via == "kafka":
            from scholarnet.events.stream import stream_producer

            stream_producer().flush(timeout=60)
        runner = _runner(via)
        began = time.perf_counter()
        thread = threading.Thread(target=runner.run, daemon=True)
        thread.start()
        while _read_total() < expected and thread.is_alive():
            time.sleep(0.02)
        elapsed = time.perf_counter() - began
        runner.stop()
        thread.join(timeout=30)
        self._report(via, total, elapsed, [])

    def _report(self, via: str, total: int, seconds: float, statements: list[int]) -> None:
        per_batch = (
            f"; SQL statements per batch: max {max(statements)} (+ BEGIN/COMMIT)"
            if statements
            else ""
        )
        self.stdout.write(
            f"ingest ({via}): {total} events in {seconds:.2f} s = {total / seconds:.0f} events/s "
            f"per consumer process, batches of {settings.READS_BATCH_SIZE}{per_batch}"
        )


def _events(total: int, articles: int, run: str) -> list[Event]:
    now = datetime.now(UTC)
    return [
        Event(
            uuid.uuid4(),
            "article.read",
            1,
            now,
            {
                "article_id": 10**9 + index % articles,
                "author_id": None,
                "reader": f"a:{run}-{index}",
            },
            key=f"article:{index % articles}",
        )
        for index in range(total)
    ]


def _is_transaction_control(sql: str) -> bool:
    return sql.split(None, 1)[0].upper() in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "ROLLBACK"}


def _read_total() -> int:
    from django.db.models import Sum

    return int(ArticleStat.objects.aggregate(total=Sum("read_count"))["total"] or 0)


def _runner(via: str) -> Any:
    if via == "kafka":
        from scholarnet.events.runner import BatchConsumerRunner

        return BatchConsumerRunner(reads.READS_GROUP)
    from scholarnet.events.stream import StreamBatchRunner

    return StreamBatchRunner(reads.READS_GROUP)
