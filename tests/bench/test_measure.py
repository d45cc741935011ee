from dataclasses import dataclass, replace
from types import SimpleNamespace

from bench.cpu import CpuSnapshot, foreign_load_pct
from bench.measure import ServerRun, _difference, every_round, scenario_load
from bench.report import Outcome, remote_reads_per_request
from bench.scenarios import SCENARIOS
from bench.servers import SERVERS
from bench.wrk import LoadParameters, WrkResult


def _outcome(name: str, rps: float, other_load: float) -> Outcome:
    result = WrkResult(
        requests=int(rps * 10),
        duration_s=10.0,
        requests_per_second=rps,
        latency_ms={"avg": 1.0, "max": 9.0, "p50": 1.0, "p99": 5.0},
        socket_errors={"connect": 0, "read": 0, "write": 0, "timeout": 0},
        non_2xx_3xx=0,
    )
    return Outcome(SCENARIOS[name], result=result, foreign_load_pct=other_load)


def _with_ratio(outcome: Outcome, ratio: float) -> Outcome:
    return replace(outcome, ratio_to_bare=ratio)


def _round(bare_rps: float, healthz_rps: float, load: float) -> list[Outcome]:
    bare = _with_ratio(_outcome("bare", bare_rps, load), 1.0)
    return [bare, _with_ratio(_outcome("healthz", healthz_rps, load), healthz_rps / bare_rps)]


def test_every_round_is_kept_with_the_median_round_as_headline():
    spec = SERVERS["granian"]
    rounds = [
        ServerRun(spec, _round(7000, 3500, 40.0), 150),  # healthz 0.50
        ServerRun(spec, _round(6000, 4800, 2.0), 160),  # 0.80
        ServerRun(spec, _round(6500, 4550, 0.0), 170),  # 0.70
    ]

    combined = every_round(rounds)

    bare, healthz = combined.outcomes
    assert [r.requests_per_second for r in healthz.rounds] == [3500, 4800, 4550]
    assert [round(r.ratio_to_bare, 2) for r in healthz.rounds] == [0.5, 0.8, 0.7]
    assert [r.other_load_pct for r in healthz.rounds] == [40.0, 2.0, 0.0]
    assert healthz.result.requests_per_second == 4550  # the median ratio's round
    assert bare.result.requests_per_second == 6500  # bare: the median requests/s
    data = healthz.as_dict()
    assert (data["ratio_min"], data["ratio_median"]) == (0.5, 0.7)
    assert [r["ratio_to_bare"] for r in data["rounds"]] == [0.5, 0.8, 0.7]
    assert combined.memory_mib == 170


def test_with_two_rounds_the_headline_is_the_lower_one():
    spec = SERVERS["granian"]
    rounds = [
        ServerRun(spec, _round(6000, 4800, 0.0), None),
        ServerRun(spec, _round(6000, 3000, 0.0), None),
    ]

    healthz = every_round(rounds).outcomes[1]

    assert healthz.ratio == 0.5
    assert healthz.as_dict()["ratio_median"] == 0.65


def test_a_round_that_could_not_measure_is_left_out_of_the_figures():
    spec = SERVERS["granian"]
    skipped = Outcome(SCENARIOS["healthz"], skipped="HTTP 500 from /healthz")
    rounds = [
        ServerRun(spec, _round(6000, 4800, 0.0), None),
        ServerRun(spec, [_with_ratio(_outcome("bare", 6000, 0.0), 1.0), skipped], None),
    ]

    healthz = every_round(rounds).outcomes[1]

    assert [r.requests_per_second for r in healthz.rounds] == [4800]


def test_foreign_load_is_machine_busy_time_minus_ours_over_capacity(monkeypatch):
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    before = CpuSnapshot(at=100.0, machine_busy_s=50.0, ours_s=10.0)
    after = CpuSnapshot(at=110.0, machine_busy_s=68.0, ours_s=25.0)

    # 18 s busy, 15 s ours: 3 s of other work over 20 s of capacity.
    assert foreign_load_pct(before, after) == 15.0


def test_a_scenario_may_run_on_its_own_number_of_connections():
    load = LoadParameters(threads=2, connections=32, duration=10)

    assert scenario_load(load, SCENARIOS["search"]) == load
    assert scenario_load(load, SCENARIOS["search_latency"]) == LoadParameters(1, 1, 10)


def test_cache_counters_are_summed_over_the_workers_seen_both_times():
    before = {1: {"a.hits": 10.0, "a.misses": 2.0}, 2: {"a.hits": 5.0}}
    after = {1: {"a.hits": 30.0, "a.misses": 2.0}, 2: {"a.hits": 9.0}, 3: {"a.hits": 100.0}}

    assert _difference(after, before) == {"a.hits": 24.0}


def test_remote_reads_count_what_left_the_process_per_request():
    counters = {
        "scholarnet_cache_hits{cache=default,tier=local}": 900.0,
        "scholarnet_cache_hits{cache=default,tier=redis}": 40.0,
        "scholarnet_cache_misses{cache=default}": 10.0,
        "article counts.hits": 800.0,
        "article counts.stale_hits": 100.0,
        "article counts.misses": 30.0,
        "article counts.refreshes": 20.0,
    }

    assert remote_reads_per_request(counters, 1000) == 0.1
    assert remote_reads_per_request({}, 1000) is None


def _warm_up_with(monkeypatch, shares: list[float]) -> int:
    """Run _warm_up against fake wrk runs whose remote-read share per request is ``shares``."""
    from types import SimpleNamespace

    from bench import measure

    runs = iter(shares)
    state = {"redis": 0.0, "warmups": 0}

    def fake_wrk(wrk, url, load, script):
        state["warmups"] += 1
        state["redis"] += next(runs) * 1000
        return SimpleNamespace(requests=1000)

    def fake_counters(server, workers):
        return {1: {"scholarnet_cache_hits{cache=default,tier=redis}": state["redis"]}}

    monkeypatch.setattr(measure, "run_wrk", fake_wrk)
    monkeypatch.setattr(measure, "worker_cache_counters", fake_counters)
    plan = SimpleNamespace(wrk="wrk", workers=2)
    measure._warm_up(plan, None, "http://x", LoadParameters(2, 32, 2), None)
    return state["warmups"]


def test_warm_ups_repeat_while_the_remote_share_is_high_and_halving(monkeypatch):
    assert _warm_up_with(monkeypatch, [0.6, 0.2, 0.05, 0.005, 0.0]) == 4
    assert _warm_up_with(monkeypatch, [0.005]) == 1  # already steady
    assert _warm_up_with(monkeypatch, [0.5, 0.45]) == 2  # misses by design: stops
    assert _warm_up_with(monkeypatch, [0.9, 0.4, 0.15, 0.06, 0.02]) == 4  # capped


def test_a_scenario_is_measured_against_the_bare_view_around_it():
    from bench.measure import _with_ratio as ratio_around

    before, after = _outcome("bare", 4000, 0.0), _outcome("bare", 6000, 0.0)

    healthz = ratio_around(_outcome("healthz", 2500, 0.0), before, after)

    assert healthz.ratio == 0.5  # 2,500 of the mean 5,000, not of 4,000 or 6,000
    assert healthz.bare_around_rps == (4000, 6000)
    assert healthz.as_dict()["bare_around_rps"] == [4000.0, 6000.0]
    assert healthz.figures().as_dict()["bare_around_rps"] == [4000.0, 6000.0]


def test_without_both_bare_measurements_there_is_no_ratio():
    from bench.measure import _with_ratio as ratio_around

    failed = Outcome(SCENARIOS["bare"], skipped="request failed")

    healthz = ratio_around(_outcome("healthz", 2500, 0.0), _outcome("bare", 4000, 0.0), failed)

    assert healthz.ratio_to_bare is None


@dataclass(frozen=True)
class _FakeBench:
    env: dict


def test_measure_server_brackets_every_scenario_with_bare(monkeypatch):
    import contextlib

    from bench import measure

    measured: list[str] = []
    rates = iter([4000, 2000, 6000, 1000, 5000])

    def fake_measure(plan, server, scenario):
        measured.append(scenario.name)
        return _outcome(scenario.name, next(rates), 0.0)

    monkeypatch.setattr(measure, "measure_scenario", fake_measure)
    server = SimpleNamespace(process=SimpleNamespace(pid=1))
    monkeypatch.setattr(measure, "serve", lambda *a, **k: contextlib.nullcontext(server))
    monkeypatch.setattr(measure, "group_memory_mib", lambda pid: None)
    plan = SimpleNamespace(
        scenarios=[SCENARIOS["bare"], SCENARIOS["healthz"], SCENARIOS["cached_kernel"]],
        bench=_FakeBench(env={}),
        workers=2,
    )

    run = measure.measure_server(plan, SERVERS["granian"])

    assert measured == ["bare", "healthz", "bare", "cached_kernel", "bare"]
    bare, healthz, cached = run.outcomes
    assert (bare.ratio, healthz.ratio, cached.ratio) == (1.0, 0.4, round(1000 / 5500, 3))
    assert cached.bare_around_rps == (6000, 5000)
