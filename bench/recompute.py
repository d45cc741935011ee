"""``python -m bench.recompute``: hot list recompute time and peak RSS as the table grows.

For each ``--articles`` size (ascending) it tops the generated data up to that many published
articles (``bench_data``, resumable: a larger size adds only the difference), then runs
``manage.py bench_rank`` in a fresh process: the recompute's seconds, the articles scanned, the
peak of Python's allocations (tracemalloc) and the process's ``ru_maxrss`` before and after the
recomputes. The scan keeps one batch and a heap of N, so the peak must not grow with the table.
Generated articles are dated over months, so the window is widened to cover all of them: every
article is scanned, the worst case. Figures go to ``bench/results/rank_recompute.json`` and the
``rank_recompute`` section of RESULTS.md.

    python -m bench.recompute --mode embedded --articles 100000 300000
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

NAME = "rank_recompute"


def main(argv: list[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    return modes_run(NAME, options.mode, lambda mode: _measure(mode, options), _section)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.recompute", description=__doc__)
    parser.add_argument("--mode", choices=[*MODES, "both"], default="embedded")
    parser.add_argument("--articles", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database-url", default="mysql://root@127.0.0.1:3306/bench_recompute")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--kafka-port", type=int, default=19292)
    return parser


def _measure(mode: str, options: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"run": run_info(), "sizes": []}
    with mode_environment(
        mode,
        name=NAME,
        database_url=options.database_url,
        redis_url=options.redis_url,
        kafka_port=options.kafka_port,
    ) as bench:
        bench.manage("bench_data", "--users", str(options.users))
        for size in sorted(options.articles):
            bench.manage("bench_data", "--articles", str(size))
            out = RESULTS_DIR.parent / ".work" / f"{NAME}-{mode}-{size}.json"
            bench.manage("bench_rank", "--repeat", str(options.repeat), "--json", str(out))
            figures["sizes"].append(json.loads(out.read_text()))
    return figures


def _section(data: dict[str, Any]) -> str:
    lines = [
        "`manage.py rank_compute`'s work (`ranking_compute`) over every generated article (the "
        "window widened to cover them all: the worst case), each size in a fresh process. "
        "Peak RSS is the process's `ru_maxrss` (Django and the app loaded, before → after the "
        "recomputes); Python peak is tracemalloc's for one recompute.",
        "",
        "| Mode | Database | Live articles | Scanned | Median s | Min s | Articles/s "
        "| Python peak MiB | Peak RSS MiB | Commit | Load avg |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|---|---|",
    ]
    for mode in MODES:
        if mode not in data:
            continue
        run = data[mode]["run"]
        for size in data[mode]["sizes"]:
            lines.append(
                f"| {mode} | {size['database']} | {size['live_articles']:,} | "
                f"{size['scanned']:,} | {size['seconds_median']} | {size['seconds_min']} | "
                f"{size['scanned'] / size['seconds_min']:,.0f} | {size['python_peak_mib']} | "
                f"{size['max_rss_before_mib']:.0f} → {size['max_rss_after_mib']:.0f} | "
                f"{run['commit']} | {run['load_average'][0]} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
