"""``python -m bench.ingest``: read-event ingestion per consumer process, and SQL per batch.

For each mode (see :mod:`bench.standalone`) it runs ``manage.py bench_reads`` twice in the bench
environment:

- ``--via stream`` (embedded: Redis stream consumer group) or ``--via kafka`` (services: Kafka
  consumer group on the Tansu broker): N fresh ``article.read`` events are emitted and shipped
  first, then one consumer process drains them with the real runner; the clock runs from its
  start until every read is counted in the stat rows;
- ``--via apply``: the same events decoded and handed to the batch handler directly, the
  consumer's own work without the transport.

SQL statements are counted per batch (BEGIN/COMMIT aside). Figures go to
``bench/results/read_ingest.json`` and the ``read_ingest`` section of RESULTS.md.

    python -m bench.ingest                          # both modes, 100,000 events
    python -m bench.ingest --mode embedded --events 200000
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench.standalone import (
    MODES,
    RESULTS_DIR,
    mode_environment,
    modes_run,
    run_info,
)

NAME = "read_ingest"
GOAL = 10_000


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    return modes_run(NAME, options.mode, lambda mode: _measure(mode, options), _section)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=None, help="READS_BATCH_SIZE")
    parser.add_argument("--database-url", default="mysql://root@127.0.0.1:3306/bench_ingest")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--kafka-port", type=int, default=19292)
    return parser


def _measure(mode: str, options: argparse.Namespace) -> dict[str, Any]:
    via = "kafka" if mode == "services" else "stream"
    figures: dict[str, Any] = {"run": run_info(), "events": options.events}
    with mode_environment(
        mode,
        name=NAME,
        database_url=options.database_url,
        redis_url=options.redis_url,
        kafka_port=options.kafka_port,
    ) as bench:
        if options.batch_size:
            bench.env["READS_BATCH_SIZE"] = str(options.batch_size)
        for step in (via, "apply"):
            out = RESULTS_DIR.parent / ".work" / f"{NAME}-{mode}-{step}.json"
            bench.manage(
                "bench_reads",
                "--via",
                step,
                "--events",
                str(options.events),
                "--articles",
                str(options.articles),
                "--json",
                str(out),
            )
            figures[step if step == "apply" else "consumer"] = json.loads(out.read_text())
    return figures


def _section(data: dict[str, Any]) -> str:
    lines = [
        "One consumer process, fresh readers (every event a new read, so every batch writes), "
        f"batches of {_first(data, 'batch_size')}. Goal: {GOAL:,} events/s per consumer process. "
        "`consumer` drains what the emitters shipped through the real runner (Redis stream "
        "group or Kafka group); `apply` hands decoded events to the batch handler directly.",
        "",
        "| Mode | Database | Transport | Events | Consumer events/s | Apply events/s "
        "| SQL statements per batch | emit µs/call | Commit | Load avg |",
        "|---|---|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for mode in MODES:
        if mode not in data:
            continue
        figures = data[mode]
        consumer, apply = figures["consumer"], figures["apply"]
        lines.append(
            f"| {mode} | {consumer['database']} | {consumer['transport']} | "
            f"{figures['events']:,} | {consumer['events_per_second']:,} | "
            f"{apply['events_per_second']:,} | {consumer['statements_per_batch_max']} | "
            f"{consumer['emit_us_per_call']} | {figures['run']['commit']} | "
            f"{figures['run']['load_average'][0]} |"
        )
    return "\n".join(lines)


def _first(data: dict[str, Any], key: str) -> Any:
    for figures in data.values():
        return figures["consumer"][key]
    return None


if __name__ == "__main__":
    raise SystemExit(main())
