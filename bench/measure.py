"""Measuring: every planned scenario on one running server, and every round of a run kept."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from bench import cpu
from bench.report import Outcome, remote_reads_per_request
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
    """Every scenario on ``spec``, each between two measurements of the bare view.

    The machine drifts during a run (bare moved from 3,900 to 5,500 req/s and back within one
    services-mode run), so a ratio against one bare figure at the start measures the drift as
    much as the endpoint. Each scenario's ratio is against the mean of the bare view measured
    just before and just after it, on the same server; the first of those is the previous
    scenario's "after", so a run costs one bare measurement more per scenario, not two.
    """
    outcomes: list[Outcome] = []
    memory: float | None = None
    bare_scenario = next(s for s in plan.scenarios if s.name == BARE)
    for server_env, scenarios in _by_server_env(plan.scenarios):
        bench = replace(plan.bench, env={**plan.bench.env, **server_env})
        settings = " ".join(f"{name}={value}" for name, value in server_env.items())
        print(f"bench: starting {spec.describe(plan.workers)} {settings}".rstrip())
        with serve(spec, bench, plan.workers) as server:
            before: Outcome | None = None
            for scenario in scenarios:
                if scenario.name == BARE:
                    before = measure_scenario(plan, server, scenario)
                    outcome = _with_ratio(before, before, before)
                else:
                    if before is None:
                        before = measure_scenario(plan, server, bare_scenario)
                    outcome = measure_scenario(plan, server, scenario)
                    after = measure_scenario(plan, server, bare_scenario)
                    outcome = _with_ratio(outcome, before, after)
                    before = after
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


def every_round(runs: list[ServerRun]) -> ServerRun:
    """Per scenario, every round's figures, with the median round's as the headline.

    Each round's ratio is against the bare view of the same round (the machine's state changes
    between rounds, so a ratio across rounds would measure the machine, not the endpoint). The
    headline figures are those of the round with the median ratio (for ``bare``, the median
    requests/s; the lower one of the middle two for an even count): a ratio that holds in one
    round only is not a result, so no round is left out, and none is picked for being fastest.
    """
    combined = []
    for candidates in zip(*(run.outcomes for run in runs), strict=True):
        figures = tuple(f for f in (c.figures() for c in candidates) if f is not None)
        measured = [c for c in candidates if c.result is not None]
        if not measured:
            combined.append(candidates[-1])
            continue
        headline = _median_round(measured)
        combined.append(replace(headline, rounds=figures))
    return ServerRun(runs[-1].spec, combined, runs[-1].memory_mib)


def _median_round(measured: list[Outcome]) -> Outcome:
    def key(outcome: Outcome) -> float:
        assert outcome.result is not None
        if outcome.ratio_to_bare is None or outcome.scenario.name == BARE:
            return outcome.result.requests_per_second
        return outcome.ratio_to_bare

    ordered = sorted(measured, key=key)
    return ordered[(len(ordered) - 1) // 2]


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
    counters_before = _warm_up(plan, server, url, replace(load, duration=plan.warmup), script)
    ours = {server.process.pid, *plan.service_groups}
    before = cpu.snapshot(ours)
    result = run_wrk(plan.wrk, url, load, script)
    foreign = cpu.foreign_load_pct(before, cpu.snapshot(ours))
    counters = _difference(worker_cache_counters(server, plan.workers), counters_before)
    return Outcome(scenario, result=result, foreign_load_pct=foreign, cache_counters=counters)


# Warm-ups repeat (at most this many in all) while the caches keep missing (see _warm_up).
MAX_WARMUPS = 4
STEADY_MISS_SHARE = 0.01


def _warm_up(
    plan: Plan, server: RunningServer, url: str, load: LoadParameters, script: Path | None
) -> dict[int, dict[str, float]]:
    """Load the server until its caches are in their steady state; the counters at the end.

    Every round starts a new server, so each worker's process-local tier starts empty, and a
    fixed warm-up covers fewer keys the slower the machine: 2 s at 1,100 requests/s per worker
    read 89 % of 1,000 keys, at 3,300/s all of them. A measurement then counts cold misses in
    proportion to how slow the machine is. So the warm-up repeats while the share of reads that
    missed the local tier is above 1 % and still falling by half (a scenario that misses by
    design, like the skewed detail, stops after its second warm-up).
    """
    counters = worker_cache_counters(server, plan.workers)
    if load.duration <= 0:
        return counters
    previous = float("inf")
    for number in range(1, MAX_WARMUPS + 1):
        result = run_wrk(plan.wrk, url, load, script)
        after = worker_cache_counters(server, plan.workers)
        share = remote_reads_per_request(_difference(after, counters), result.requests)
        counters = after
        if share is None or share <= STEADY_MISS_SHARE or share > previous / 2:
            break
        print(f"  (warm-up {number}: {share:.1%} of reads missed the local tier; warming again)")
        previous = share
    return counters


CACHE_STATS_PATH = "/bench/cache-stats"
CACHE_STATS_TRIES = 40


def worker_cache_counters(server: RunningServer, workers: int) -> dict[int, dict[str, float]]:
    """Every worker's cache counters (``bench.views.cache_stats``), flattened, by pid.

    Each request opens a new connection, which the kernel hands to any worker; ask until every
    worker answered (or give up after a few dozen tries: the figures then cover fewer workers).
    """
    found: dict[int, dict[str, float]] = {}
    for _ in range(CACHE_STATS_TRIES):
        try:
            status, body = request(server.url(CACHE_STATS_PATH), timeout=2)
        except OSError:
            return found
        if status != 200:
            return found
        data = json.loads(body)
        flat = {
            f"{table}.{name}": float(value)
            for table, counters in data["refresh_ahead"].items()
            for name, value in counters.items()
            if name != "entries"
        }
        found[data["pid"]] = flat | data["two_level"]
        if len(found) >= workers:
            break
    return found


def _difference(
    after: dict[int, dict[str, float]], before: dict[int, dict[str, float]]
) -> dict[str, float]:
    """Counters summed over the workers seen both times, as the change during the measurement."""
    total: dict[str, float] = {}
    for pid in after.keys() & before.keys():
        for name, value in after[pid].items():
            change = value - before[pid].get(name, 0.0)
            if change:
                total[name] = total.get(name, 0.0) + change
    return dict(sorted(total.items()))


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


def _with_ratio(outcome: Outcome, before: Outcome, after: Outcome) -> Outcome:
    """``outcome`` against the mean of the bare view's two measurements around it."""
    bares = [b.result for b in (before, after) if b.scenario.name == BARE and b.result]
    if outcome.result is None or len(bares) != 2:
        return outcome
    if outcome.scenario.name == BARE:
        return replace(outcome, ratio_to_bare=1.0)
    around = (bares[0].requests_per_second, bares[1].requests_per_second)
    ratio = outcome.result.requests_per_second / (sum(around) / 2)
    return replace(outcome, ratio_to_bare=ratio, bare_around_rps=around)


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
    figures = outcome.figures()
    if figures is not None and figures.remote_reads_per_request is not None:
        print(
            f"  {'':<16} reads leaving the process per request: "
            f"{figures.remote_reads_per_request:.2%}"
        )
    if outcome.cache_counters:
        shown = ", ".join(f"{name} {value:,.0f}" for name, value in outcome.cache_counters.items())
        print(f"  {'':<16} cache counters during the measurement: {shown}")
