"""``python -m bench``: serve the app production-like, drive each scenario with wrk, record it."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Mapping
from types import FrameType
from typing import Any

from bench import markdown, report
from bench.measure import Plan, ServerRun, every_round, measure_server
from bench.runtime import BenchEnvironment, BenchError, bench_environment, embedded_redis
from bench.scenarios import BARE, SCENARIOS, Scenario, select
from bench.servers import SERVERS, ServerSpec
from bench.wrk import LoadParameters, WrkMissing, ensure_wrk, wrk_version

DEFAULT_SERVER = "granian"
COMPARED_SCENARIOS = [BARE, "healthz", "cached_redis"]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scenario",
        action="append",
        choices=list(SCENARIOS),
        help="run only this scenario (repeatable); 'bare' always runs first",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (10)")
    parser.add_argument("--warmup", type=int, default=2, help="discarded seconds before each (2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections (32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="server workers")
    parser.add_argument(
        "--idle-wait",
        type=int,
        default=20,
        help="seconds to wait at most, before each scenario, for other work on the machine to "
        "stop (20; 0 skips)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure everything this many times; every round is recorded and reported, with "
        "the min and median ratio per scenario (1)",
    )
    parser.add_argument(
        "--server",
        choices=list(SERVERS),
        default=DEFAULT_SERVER,
        help=f"WSGI server configuration ({DEFAULT_SERVER}: the production choice, see RESULTS.md)",
    )
    parser.add_argument(
        "--compare-servers",
        action="store_true",
        help="run bare, healthz and cached_redis on every WSGI server; writes wsgi_servers.json",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:<16} {scenario.path:<24} {scenario.description}")
        return 0
    try:
        wrk = ensure_wrk()
    except WrkMissing as missing:
        print(missing, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        run(args, bench_environment(), wrk)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    markdown.regenerate()
    print(f"bench: results in {report.RESULTS_DIR} and {report.RESULTS_MD}")
    return 0


def run(args: argparse.Namespace, bench: BenchEnvironment, wrk: str) -> None:
    with embedded_redis(bench):
        print(f"bench: {bench.mode} mode; migrating the bench database")
        bench.manage("migrate", "--noinput")
        # The pages' templates name hashed static files: without the manifest they answer 500.
        bench.manage("collectstatic", "--noinput", "-v", "0")
        plan = _plan(args, bench, wrk)
        if args.compare_servers:
            compare_servers(plan)
        else:
            run_scenarios(plan, SERVERS[args.server])


def _exit_on_sigterm(signal_number: int, frame: FrameType | None) -> None:
    # Unwind through the context managers so the server and the embedded Redis stop.
    raise SystemExit(128 + signal_number)


def _plan(args: argparse.Namespace, bench: BenchEnvironment, wrk: str) -> Plan:
    names = args.scenario or (COMPARED_SCENARIOS if args.compare_servers else None)
    scenarios = select(names)
    return Plan(
        bench=bench,
        wrk=wrk,
        load=LoadParameters(args.threads, args.connections, args.duration),
        warmup=args.warmup,
        idle_wait=args.idle_wait,
        rounds=args.rounds,
        workers=args.workers,
        scenarios=scenarios,
        headers=run_setup_hooks(scenarios, bench),
        service_groups=frozenset(bench.service_process_groups()),
    )


def run_setup_hooks(
    scenarios: list[Scenario], bench: BenchEnvironment
) -> dict[str, Mapping[str, str]]:
    headers: dict[str, Mapping[str, str]] = {}
    for scenario in scenarios:
        extra = scenario.setup(bench) if scenario.setup else None
        headers[scenario.name] = {**scenario.headers, **(extra or {})}
    return headers


def run_scenarios(plan: Plan, spec: ServerSpec) -> None:
    server_run = _rounds(plan, [spec])[0]
    run = _run_info(plan, spec) | {"server_memory_mib": server_run.memory_mib}
    report.write_scenario_results(run, server_run.outcomes)
    if plan.rounds > 1:
        _print_rounds(server_run)


def _print_rounds(server_run: ServerRun) -> None:
    print("bench: ratio to bare in every round (min / median)")
    for outcome in server_run.outcomes:
        data = outcome.as_dict()
        if "rounds" not in data:
            print(f"  {outcome.scenario.name:<28} not measured")
            continue
        ratios = " ".join(
            "n/a" if r["ratio_to_bare"] is None else f"{r['ratio_to_bare']:.2f}"
            for r in data["rounds"]
        )
        loads = " ".join(f"{r['other_load_pct']}%" for r in data["rounds"])
        print(
            f"  {outcome.scenario.name:<28} {ratios}  ({data['ratio_min']} / "
            f"{data['ratio_median']})  other load {loads}"
        )


def compare_servers(plan: Plan) -> None:
    servers = [
        {
            "server": server_run.spec.name,
            "detail": server_run.spec.describe(plan.workers),
            "memory_mib": server_run.memory_mib,
            "scenarios": [outcome.as_dict() for outcome in server_run.outcomes],
        }
        for server_run in _rounds(plan, list(SERVERS.values()))
    ]
    report.write_server_comparison(_run_info(plan, None), servers)


def _rounds(plan: Plan, specs: list[ServerSpec]) -> list[ServerRun]:
    """Measure every server ``plan.rounds`` times, alternating servers, keeping every round."""
    runs: dict[str, list[ServerRun]] = {spec.name: [] for spec in specs}
    for round_number in range(1, plan.rounds + 1):
        if plan.rounds > 1:
            print(f"bench: round {round_number} of {plan.rounds}")
        for spec in specs:
            runs[spec.name].append(measure_server(plan, spec))
    return [every_round(server_runs) for server_runs in runs.values()]


def _run_info(plan: Plan, spec: ServerSpec | None) -> dict[str, Any]:
    info: dict[str, Any] = {"timestamp": report.now()}
    if spec is not None:
        info |= {"server": spec.name, "server_detail": spec.describe(plan.workers)}
    return info | {
        "workers": plan.workers,
        "rounds": plan.rounds,
        "rounds_kept": "every",  # before: only the least disturbed round of each scenario
        "mode": plan.bench.mode,
        "database": plan.bench.database,
        "redis": plan.bench.redis,
        "git": report.git_commit(plan.bench.root),
        "machine": report.machine(),
        "wrk": plan.load.as_dict() | {"warmup_s": plan.warmup, "version": wrk_version(plan.wrk)},
    }
