"""Measuring: every planned scenario on one running server, and picking the cleanest rounds."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bench import cpu
from bench.report import Outcome
from bench.runtime import BenchEnvironment
from bench.scenarios import BARE, Scenario
from bench.servers import RunningServer, ServerSpec, group_memory_mib, request, serve
from bench.wrk import LoadParameters, lua_script, run_wrk


@dataclass(frozen=True)
class Plan:
    """Everything a run needs, resolved once."""

    bench: BenchEnvironment
    wrk: str
    load: LoadParameters
    warmup: int
    idle_wait: int
    rounds: int
    workers: int
    scenarios: list[Scenario]
    headers: Mapping[str, Mapping[str, str]]
    # Process groups whose CPU is part of the measured work besides the server's (local Redis).
    service_groups: frozenset[int]


@dataclass(frozen=True)
class ServerRun:
    spec: ServerSpec
    outcomes: list[Outcome]
    # The server's memory after the load (all processes, proportional set size).
    memory_mib: float | None


def measure_server(plan: Plan, spec: ServerSpec) -> ServerRun:
    outcomes: list[Outcome] = []
    memory: float | None = None
    for server_env, scenarios in _by_server_env(plan.scenarios):
        bench = replace(plan.bench, env={**plan.bench.env, **server_env})
        settings = " ".join(f"{name}={value}" for name, value in server_env.items())
        print(f"bench: starting {spec.describe(plan.workers)} {settings}".rstrip())
        with serve(spec, bench, plan.workers) as server:
            for scenario in scenarios:
                outcome = measure_scenario(plan, server, scenario)
                outcome = _with_ratio(outcome, outcomes[0] if outcomes else outcome)
                outcomes.append(outcome)
                _print_outcome(outcome)
            if not server_env:
                memory = group_memory_mib(server.process.pid)
    print(f"  server memory after the load: {memory} MiB (PSS)")
    return ServerRun(spec, outcomes, memory)


def _by_server_env(scenarios: list[Scenario]) -> list[tuple[dict[str, str], list[Scenario]]]:
    """Scenarios grouped by the settings their server needs, in first-seen order.

    ``bare`` comes first in the plan and needs no settings, so the default server runs first and
    every ratio has its reference.
    """
    groups: dict[tuple[tuple[str, str], ...], list[Scenario]] = {}
    for scenario in scenarios:
        groups.setdefault(tuple(sorted(scenario.server_env.items())), []).append(scenario)
    return [(dict(key), members) for key, members in groups.items()]


def cleanest(runs: list[ServerRun]) -> ServerRun:
    """Per scenario, the fastest round among the undisturbed ones (else the least disturbed).

    Other work on the machine only ever slows a measurement down, so that round is the closest
    to what the server can do. The requests/s of every round are kept to show the spread.
    """
    picked = []
    for candidates in zip(*(run.outcomes for run in runs), strict=True):
        best = min(candidates, key=_disturbance_then_speed)
        spread = tuple(c.result.requests_per_second for c in candidates if c.result is not None)
        picked.append(replace(best, ratio_to_bare=None, rounds_rps=spread))
    # Ratios against the picked bare measurement.
    rebased = [_with_ratio(outcome, picked[0]) for outcome in picked]
    return ServerRun(runs[-1].spec, rebased, runs[-1].memory_mib)


def _disturbance_then_speed(outcome: Outcome) -> tuple[float, float]:
    if outcome.result is None:
        return (math.inf, 0.0)
    load = outcome.foreign_load_pct
    disturbance = math.inf if load is None else max(load, cpu.CLEAN_LOAD_PCT)
    return (disturbance, -outcome.result.requests_per_second)


def measure_scenario(plan: Plan, server: RunningServer, scenario: Scenario) -> Outcome:
    headers = plan.headers[scenario.name]
    url = server.url(scenario.path)
    try:
        status, _ = request(url, method=scenario.method, headers=headers, body=scenario.body)
    except OSError as error:
        return Outcome(scenario, skipped=f"request failed ({error})")
    if status >= 400:
        return Outcome(scenario, skipped=f"HTTP {status} from {scenario.path}")
    script = _script_for(plan, scenario, headers)
    load = scenario_load(plan.load, scenario)
    _wait_for_quiet_machine(plan)
    if plan.warmup > 0:
        run_wrk(plan.wrk, url, replace(load, duration=plan.warmup), script)
    ours = {server.process.pid, *plan.service_groups}
    before = cpu.snapshot(ours)
    result = run_wrk(plan.wrk, url, load, script)
    foreign = cpu.foreign_load_pct(before, cpu.snapshot(ours))
    return Outcome(scenario, result=result, foreign_load_pct=foreign)


def scenario_load(load: LoadParameters, scenario: Scenario) -> LoadParameters:
    """The run's load, with the scenario's own connection count (wrk needs threads <= that)."""
    if scenario.connections is None:
        return load
    connections = scenario.connections
    return replace(load, connections=connections, threads=min(load.threads, connections))


def _wait_for_quiet_machine(plan: Plan) -> None:
    if plan.idle_wait <= 0:
        return
    busy = cpu.wait_until_quiet(plan.idle_wait)
    if busy >= cpu.QUIET_THRESHOLD_PCT:
        print(f"  (the machine is busy with other work: {busy}% CPU; measuring anyway)")


def _script_for(plan: Plan, scenario: Scenario, headers: Mapping[str, str]) -> Path | None:
    if scenario.script is not None:
        return scenario.script
    text = lua_script(scenario.method, headers, scenario.body)
    if text is None:
        return None
    path = plan.bench.work_dir / f"{scenario.name}.lua"
    path.write_text(text)
    return path


def _with_ratio(outcome: Outcome, bare: Outcome) -> Outcome:
    if outcome.result is None or bare.result is None or bare.scenario.name != BARE:
        return outcome
    ratio = outcome.result.requests_per_second / bare.result.requests_per_second
    return replace(outcome, ratio_to_bare=ratio)


def _print_outcome(outcome: Outcome) -> None:
    name = outcome.scenario.name
    if outcome.result is None:
        print(f"  {name:<16} not measured: {outcome.skipped}")
        return
    result, ratio = outcome.result, outcome.ratio
    print(
        f"  {name:<16} {result.requests_per_second:>9,.0f} req/s"
        f"  p50 {result.latency_ms['p50']:>7.2f} ms  p99 {result.latency_ms['p99']:>7.2f} ms"
        f"  errors {result.errors:<5} ratio {'n/a' if ratio is None else f'{ratio:.2f}'}"
        f"  other load {outcome.foreign_load_pct}%"
    )
