"""``manage.py bench_reads``: read-event cost on the request path and ingestion per consumer.

- ``emit``: microseconds per ``stream.emit`` call (what each article detail read pays).
- ingestion (``--via``): events per second through one consumer process, and SQL statements
  per batch. ``apply`` decodes packs of envelopes (as the transport delivers them) and calls
  the batch handler directly (the consumer's own work); ``stream`` and ``kafka`` emit the
  events first, then drain them with the real runner (Redis stream consumer group, or Kafka
  consumer group).

Each run uses fresh reader keys, so every event is a new read and every batch writes.
``--json PATH`` also writes the figures as JSON (``python -m bench.ingest`` reads them).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from apps.interactions import reads
from apps.interactions.models import ArticleStat
from scholarnet.events.batches import decode_pack
from scholarnet.events.envelope import Event, encode
from scholarnet.events.stream import emit, emit_flush


class Command(BaseCommand):
    help = "Measure article.read emit cost and batch ingestion throughput."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=100_000)
        parser.add_argument("--articles", type=int, default=10_000, help="distinct article ids")
        parser.add_argument("--via", choices=["apply", "stream", "kafka"], default="apply")
        parser.add_argument("--emit-calls", type=int, default=20_000)
        parser.add_argument("--json", type=Path, default=None, help="also write the figures here")

    def handle(self, *args: Any, **options: Any) -> None:
        run = uuid.uuid4().hex[:8]
        self.figures: dict[str, Any] = {"transport": settings.EVENTS_TRANSPORT}
        if options["via"] == "apply":
            self._apply(options["events"], options["articles"], run)
        else:
            self._through_transport(options["events"], options["articles"], run, options["via"])
        # After the ingestion: these events would otherwise be in the measured consumer's way.
        if options["emit_calls"]:
            self._emit_cost(options["emit_calls"], run)
        if options["json"]:
            options["json"].write_text(json.dumps(self.figures, indent=2) + "\n")

    def _emit_cost(self, calls: int, run: str) -> None:
        payload = {"article_id": 1, "author_id": None, "reader": f"a:{run}"}
        began = time.perf_counter()
        for _call in range(calls):
            emit("article.read", dict(payload), key="article:1")
        elapsed = time.perf_counter() - began
        emit_flush()
        self.figures["emit_us_per_call"] = round(elapsed / calls * 1e6, 2)
        self.stdout.write(
            f"emit ({settings.EVENTS_TRANSPORT}): {elapsed / calls * 1e6:.1f} us/call "
            f"over {calls} calls"
        )

    def _apply(self, total: int, articles: int, run: str) -> None:
        size = int(settings.READS_BATCH_SIZE)
        wire = [encode(event) for event in _events(total, articles, run)]
        packs = [
            b"[" + b",".join(wire[start : start + size]) + b"]" for start in range(0, total, size)
        ]
        counter = _StatementCounter()
        began = time.perf_counter()
        with connection.execute_wrapper(counter):  # not CaptureQueriesContext: it costs a sixth
            for pack in packs:
                reads.reads_apply(decode_pack(pack))
        self._report("apply", total, time.perf_counter() - began, counter.per_batch())

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
        counter = _StatementCounter()
        started = time.perf_counter()
        thread = threading.Thread(target=_run_counted, args=(runner, counter), daemon=True)
        thread.start()
        # The clock starts at the first counted read: joining a Kafka group takes seconds that
        # say nothing of the throughput (reported apart as startup_seconds).
        began = None
        while (counted := _read_total()) < expected and thread.is_alive():
            if began is None and counted > expected - total:
                began = time.perf_counter()
            time.sleep(0.02)
        finished = time.perf_counter()
        began = began or started
        runner.stop()
        thread.join(timeout=30)
        self._report(via, total, finished - began, counter.per_batch())
        self.figures["startup_seconds"] = round(began - started, 3)
        self.figures["largest_batch_statements"] = counter.largest

    def _report(self, via: str, total: int, seconds: float, statements: list[int]) -> None:
        self.figures |= {
            "via": via,
            "events": total,
            "seconds": round(seconds, 3),
            "events_per_second": round(total / seconds),
            "batch_size": int(settings.READS_BATCH_SIZE),
            "batches": len(statements),
            "statements_per_batch_max": max(statements, default=None),
            "statements_per_batch": sorted(set(statements)),
            "database": connection.vendor,
        }
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


class _StatementCounter:
    """The consumer thread's SQL statements, split into batches at each stat-row upsert.

    Every batch of fresh reads ends with one upsert of the stat rows (``reads._stats_add_reads``),
    so the statements up to and including it are that batch's.
    """

    def __init__(self) -> None:
        self._batches: list[int] = []
        self._current = 0
        self._statements: list[str] = []
        self.largest: list[str] = []  # the statements of the batch with the most
        self._stats_table = ArticleStat._meta.db_table

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not _is_transaction_control(sql) and not _is_session_setup(sql):
            self._current += 1
            self._statements.append(sql[:80])
            if sql.startswith("INSERT INTO") and self._stats_table in sql.split("(", 1)[0]:
                if self._current > max(self._batches, default=0):
                    self.largest = self._statements
                self._batches.append(self._current)
                self._current, self._statements = 0, []
        return execute(sql, params, many, context)

    def per_batch(self) -> list[int]:
        return list(self._batches)


def _run_counted(runner: Any, counter: _StatementCounter) -> None:
    try:
        with connection.execute_wrapper(counter):
            runner.run()
    finally:
        connection.close()


def _is_session_setup(sql: str) -> bool:
    # What a new connection sends once (MySQL: version probe, isolation level), not the batch.
    return sql.lstrip().startswith(("SET ", "SELECT VERSION()"))


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
