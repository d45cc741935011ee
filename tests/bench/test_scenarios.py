import pytest

from bench.scenarios import BARE, SCENARIOS, reindex_figures, select


def test_bare_always_runs_first():
    names = [scenario.name for scenario in select(["healthz"])]

    assert names == [BARE, "healthz"]


def test_no_selection_runs_every_scenario_in_registry_order():
    assert [scenario.name for scenario in select(None)] == list(SCENARIOS)


def test_unknown_scenario_is_refused():
    with pytest.raises(KeyError):
        select(["nope"])


def test_reindex_output_becomes_figures_per_type():
    output = (
        "Reindexed article: 100000 documents in 96.3 s (1038 documents/s)\n"
        "Reindexed user: 1000 documents in 0.2 s (5053 documents/s)\n"
        "Reindexed tag: 0 documents in 0.0 s (0 documents/s)\n"
    )

    figures = reindex_figures(output)["types"]

    assert figures == [
        {"type": "article", "documents": 100000, "seconds": 96.3, "documents_per_second": 1038},
        {"type": "user", "documents": 1000, "seconds": 0.2, "documents_per_second": 5053},
        {"type": "tag", "documents": 0, "seconds": 0.0, "documents_per_second": 0},
    ]
