"""Regenerates the tables of RESULTS.md from the JSON files in ``bench/results/``."""

from __future__ import annotations

import re
import statistics
from pathlib import Path
from typing import Any

from bench.report import RESULTS_MD, load_reindex, load_results
from bench.scenarios import SCENARIOS

TEMPLATE = """# Benchmark results

Produced by `python -m bench` (`make bench`). The blocks between `BEGIN GENERATED` and
`END GENERATED` markers are rewritten from `bench/results/*.json` on every run; the text around
them is written by hand and kept.

## Embedded mode (SQLite, embedded Redis)

<!-- BEGIN GENERATED: run:embedded -->
<!-- END GENERATED: run:embedded -->

<!-- BEGIN GENERATED: scenarios:embedded -->
<!-- END GENERATED: scenarios:embedded -->

## Services mode (MariaDB, Redis)

<!-- BEGIN GENERATED: run:services -->
<!-- END GENERATED: run:services -->

<!-- BEGIN GENERATED: scenarios:services -->
<!-- END GENERATED: scenarios:services -->

## Search reindex

<!-- BEGIN GENERATED: search_reindex -->
<!-- END GENERATED: search_reindex -->

## WSGI server

<!-- BEGIN GENERATED: wsgi_servers -->
<!-- END GENERATED: wsgi_servers -->
"""


MEASURED_HEAD = "Requests/s | p50 ms | p99 ms | Errors | Ratio to bare | Other load"
MEASURED_RULE = "--:|" * 6


# Always shown, in this order; another mode (mixed) gets blocks of its own when it has results.
MODES = ("embedded", "services")
NO_RUN = {
    "embedded": "No run in this mode yet: `make bench`.",
    "services": "No run in this mode yet: `make bench` with `DATABASE_URL` and `REDIS_URL` set.",
}


def regenerate(path: Path = RESULTS_MD) -> None:
    scenario_results, comparison = load_results()
    text = path.read_text() if path.exists() else TEMPLATE
    found = {result["run"]["mode"] for result in scenario_results}
    for mode in [*MODES, *sorted(found - set(MODES))]:
        of_mode = [result for result in scenario_results if result["run"]["mode"] == mode]
        latest = _latest_run(of_mode)
        run = _run_block(latest[0]["run"]) if latest else NO_RUN.get(mode, "No run yet.")
        text = replace_block(text, f"run:{mode}", run)
        text = replace_block(text, f"scenarios:{mode}", _scenarios_block(latest, of_mode))
    text = replace_block(text, "search_reindex", _reindex_block(load_reindex()))
    text = replace_block(text, "wsgi_servers", _servers_block(comparison))
    path.write_text(text)


def replace_block(text: str, name: str, content: str) -> str:
    begin, end = f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->"
    block = f"{begin}\n{content.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    return text.rstrip("\n") + f"\n\n{block}\n"


def _latest_run(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not results:
        return []
    newest = max(result["run"]["timestamp"] for result in results)
    return _in_registry_order([r for r in results if r["run"]["timestamp"] == newest])


def _in_registry_order(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    order = {name: index for index, name in enumerate(SCENARIOS)}
    return sorted(results, key=lambda result: order.get(result["scenario"], len(order)))


def _run_block(run: dict[str, Any]) -> str:
    host = run["machine"]
    commit = run["git"]["commit"][:12]
    if run["git"]["dirty"]:
        commit += " (with uncommitted changes)"
    cores, memory = f"{host['cores']} cores", f"{host['memory_gib']} GiB"
    rows = [
        ("When", run["timestamp"]),
        ("Machine", f"{host['cpu']}, {cores}, {memory}, {host['os']}"),
        ("Software", f"Python {host['python']}, Django {host['django']}"),
        ("Server", f"{run['server_detail']}; {run.get('server_memory_mib')} MiB after the load"),
        ("Mode", f"{run['mode']} (database: {run['database']}, Redis: {run['redis']})"),
        ("Load", _load_text(run)),
        ("Commit", commit),
    ]
    return "| | |\n|---|---|\n" + "\n".join(f"| {key} | {value} |" for key, value in rows)


def _load_text(run: dict[str, Any]) -> str:
    load, rounds = run["wrk"], run.get("rounds", 1)
    text = (
        f"{load['version']}: `-t {load['threads']} -c {load['connections']} "
        f"-d {load['duration_s']}s --latency` after a {load['warmup_s']} s warm-up (discarded), "
        "from 127.0.0.1 on the same machine"
    )
    if rounds > 1 and run.get("rounds_kept") == "every":
        text += f"; {rounds} rounds, every one reported (headline figures: the median round)"
    elif rounds > 1:
        text += f"; per scenario the least disturbed of {rounds} rounds"
    return text


def _scenarios_block(latest: list[dict[str, Any]], everything: list[dict[str, Any]]) -> str:
    if not latest:
        return "No scenario measured yet."
    text = _scenario_table(latest)
    earlier = [result for result in everything if result not in latest]
    if earlier:
        text += "\n\nEarlier results still on disk (other runs; ratios are within their own run):"
        text += "\n\n" + _scenario_table(_in_registry_order(earlier), with_run=True)
    return text


def _scenario_table(results: list[dict[str, Any]], *, with_run: bool = False) -> str:
    rounds = max((len(_rounds(result)) for result in results), default=1)
    ratio_heads = " | ".join(f"Ratio r{number}" for number in range(1, rounds + 1))
    head = (
        f"| Scenario | Path | {MEASURED_HEAD} | {ratio_heads} | Min | Median "
        "| Req/s every round | Other load every round |"
    )
    rule = f"|---|---|{MEASURED_RULE}" + "--:|" * (rounds + 2) + "--:|--:|"
    if with_run:
        head, rule = head + " Run | Server |", rule + "---|---|"
    rows = []
    for result in results:
        name = result["scenario"]
        if result.get("connections"):
            name += f" (`-c {result['connections']}`)"
        cells = f"{_measured_cells(result)} | {_round_cells(result, rounds)}"
        row = f"| {name} | `{result['path']}` | {cells} |"
        if with_run:
            row += f" {result['run']['timestamp']} | {result['run']['server']} |"
        rows.append(row)
    return "\n".join([head, rule, *rows])


def _measured_cells(result: dict[str, Any]) -> str:
    if result["status"] != "ok":
        return f"not measured: {result['reason']} | | | | |"
    latency, ratio = result["latency_ms"], result.get("ratio_to_bare")
    cells = [
        f"{result['requests_per_second']:,.0f}",
        f"{latency['p50']:.2f}",
        f"{latency['p99']:.2f}",
        _errors_text(result["errors"]),
        "n/a" if ratio is None else f"{ratio:.2f}",
        _percent(result.get("other_load_pct")),
    ]
    return " | ".join(cells)


def _rounds(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Every round of a result; a result from before rounds were kept counts as one round."""
    if result["status"] != "ok":
        return []
    if "rounds" in result:
        return list(result["rounds"])
    return [
        {
            "requests_per_second": result["requests_per_second"],
            "ratio_to_bare": result.get("ratio_to_bare"),
            "other_load_pct": result.get("other_load_pct"),
        }
    ]


def _round_cells(result: dict[str, Any], columns: int) -> str:
    rounds = _rounds(result)
    if not rounds:
        return " | ".join([""] * (columns + 4))
    ratios = [r["ratio_to_bare"] for r in rounds]
    cells = [_ratio_text(ratio) for ratio in ratios] + [""] * (columns - len(ratios))
    known = sorted(ratio for ratio in ratios if ratio is not None)
    low = known[0] if known else None
    median = result.get("ratio_median", statistics.median(known) if known else None)
    cells += [_ratio_text(low), _ratio_text(median)]
    cells.append(" / ".join(f"{r['requests_per_second']:,.0f}" for r in rounds))
    cells.append(" / ".join(_percent(r.get("other_load_pct")) for r in rounds))
    return " | ".join(cells)


def _ratio_text(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}"


def _rounds_text(result: dict[str, Any]) -> str:
    if "rounds" in result:
        return " / ".join(f"{r['requests_per_second']:,.0f}" for r in result["rounds"])
    return " / ".join(f"{rps:,.0f}" for rps in result.get("rounds_rps", []))


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f} %"


def _errors_text(errors: dict[str, int]) -> str:
    if not errors["total"]:
        return "0"
    parts = [f"{kind} {count}" for kind, count in errors.items() if count and kind != "total"]
    return f"{errors['total']} ({', '.join(parts)})"


def _reindex_block(reindex: dict[str, Any] | None) -> str:
    if reindex is None:
        return "Not measured yet: the search scenarios rebuild the index before they run."
    rows = [
        f"| {entry['type']} | {entry['documents']:,} | {entry['seconds']:.1f} | "
        f"{entry['documents_per_second']:,} |"
        for entry in reindex["types"]
    ]
    head = "| Type | Documents | Seconds | Documents/s |\n|---|--:|--:|--:|"
    note = f"`manage.py search_reindex` on the bench data, {reindex['timestamp']}."
    return "\n".join([note, "", head, *rows])


def _servers_block(comparison: dict[str, Any] | None) -> str:
    if comparison is None:
        return "Not compared yet: run `python -m bench --compare-servers`."
    run = comparison["run"]
    head = f"| Server | Scenario | {MEASURED_HEAD} | Memory | Every round, req/s |"
    rows = [head, f"|---|---|{MEASURED_RULE}--:|--:|"]
    for server in comparison["servers"]:
        memory = f"{server['memory_mib']} MiB" if server.get("memory_mib") else "n/a"
        for result in server["scenarios"]:
            cells = f"{_measured_cells(result)} | {memory} | {_rounds_text(result)}"
            rows.append(f"| {server['detail']} | {result['scenario']} | {cells} |")
            memory = ""
    intro = (
        f"Measured {run['timestamp']}, {run['mode']} mode, commit {run['git']['commit'][:12]}; "
        f"{_load_text(run)}. Memory: every server process after the load, proportional "
        "set size (shared pages counted once)."
    )
    return intro + "\n\n" + "\n".join(rows)
