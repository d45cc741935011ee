from bench.cpu import CpuSnapshot, foreign_load_pct
from bench.measure import ServerRun, cleanest, scenario_load
from bench.report import Outcome
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


def test_cleanest_keeps_the_least_disturbed_round_and_rebases_the_ratio():
    spec = SERVERS["granian"]
    first = ServerRun(spec, [_outcome("bare", 7000, 40.0), _outcome("healthz", 3000, 1.0)], 150)
    second = ServerRun(spec, [_outcome("bare", 6000, 2.0), _outcome("healthz", 2000, 35.0)], 160)

    picked = cleanest([first, second])

    assert [o.result.requests_per_second for o in picked.outcomes] == [6000, 3000]
    assert [o.ratio for o in picked.outcomes] == [1.0, 0.5]
    assert [o.rounds_rps for o in picked.outcomes] == [(7000, 6000), (3000, 2000)]
    assert picked.memory_mib == 160


def test_among_undisturbed_rounds_the_fastest_is_kept():
    spec = SERVERS["granian"]
    rounds = [
        ServerRun(spec, [_outcome("bare", 5000, 0.0)], None),
        ServerRun(spec, [_outcome("bare", 6500, 4.0)], None),
        ServerRun(spec, [_outcome("bare", 7000, 30.0)], None),
    ]

    picked = cleanest(rounds)

    assert picked.outcomes[0].result.requests_per_second == 6500


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
