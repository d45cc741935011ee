import pytest

from bench.scenarios import BARE, SCENARIOS, select


def test_bare_always_runs_first():
    names = [scenario.name for scenario in select(["healthz"])]

    assert names == [BARE, "healthz"]


def test_no_selection_runs_every_scenario_in_registry_order():
    assert [scenario.name for scenario in select(None)] == list(SCENARIOS)


def test_unknown_scenario_is_refused():
    with pytest.raises(KeyError):
        select(["nope"])
