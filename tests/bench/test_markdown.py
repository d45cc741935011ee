import json

from bench import markdown, report
from bench.markdown import _reindex_block, replace_block


def test_replace_block_rewrites_only_the_generated_part():
    text = (
        "# Results\n\nhand-written intro\n\n"
        "<!-- BEGIN GENERATED: scenarios -->\nold table\n<!-- END GENERATED: scenarios -->\n\n"
        "hand-written notes\n"
    )

    updated = replace_block(text, "scenarios", "new table")

    assert updated == (
        "# Results\n\nhand-written intro\n\n"
        "<!-- BEGIN GENERATED: scenarios -->\nnew table\n<!-- END GENERATED: scenarios -->\n\n"
        "hand-written notes\n"
    )


def test_replace_block_appends_a_missing_block():
    updated = replace_block("# Results\n", "wsgi_servers", "table")

    assert updated == (
        "# Results\n\n"
        "<!-- BEGIN GENERATED: wsgi_servers -->\ntable\n<!-- END GENERATED: wsgi_servers -->\n"
    )


def test_the_reindex_block_lists_every_type():
    block = _reindex_block(
        {
            "timestamp": "2026-11-26T23:00:00+00:00",
            "types": [
                {
                    "type": "article",
                    "documents": 100000,
                    "seconds": 96.3,
                    "documents_per_second": 1038,
                }
            ],
        }
    )

    assert "| article | 100,000 | 96.3 | 1,038 |" in block
    assert _reindex_block(None).startswith("Not measured yet")


def _result(mode: str, scenario: str, ratios: list[float], timestamp: str) -> dict:
    rounds = [
        {"requests_per_second": 1000.0 * ratio, "ratio_to_bare": ratio, "other_load_pct": 3.0}
        for ratio in ratios
    ]
    headline = sorted(ratios)[(len(ratios) - 1) // 2]
    return {
        "scenario": scenario,
        "path": f"/{scenario}",
        "status": "ok",
        "requests_per_second": 1000.0 * headline,
        "latency_ms": {"p50": 1.0, "p99": 2.0},
        "errors": {"total": 0},
        "ratio_to_bare": headline,
        "other_load_pct": 3.0,
        "rounds": rounds,
        "ratio_min": min(ratios),
        "ratio_median": sorted(ratios)[len(ratios) // 2],
        "run": {
            "mode": mode,
            "timestamp": timestamp,
            "server": "granian",
            "server_detail": "granian",
            "database": "sqlite",
            "redis": "embedded",
            "rounds": len(ratios),
            "rounds_kept": "every",
            "git": {"commit": "0" * 40, "dirty": False},
            "machine": {
                "cpu": "x",
                "cores": 2,
                "memory_gib": 1,
                "os": "L",
                "python": "3",
                "django": "5",
            },
            "wrk": {
                "version": "wrk",
                "threads": 2,
                "connections": 32,
                "duration_s": 5,
                "warmup_s": 1,
            },
        },
    }


def test_the_scenario_table_shows_every_rounds_ratio_and_min_and_median():
    table = markdown._scenario_table([_result("embedded", "healthz", [0.5, 0.8, 0.7], "t")])

    assert "| Ratio r1 | Ratio r2 | Ratio r3 | Min | Median |" in table
    row = table.splitlines()[-1]
    assert "| 0.50 | 0.80 | 0.70 | 0.50 | 0.70 | 500 / 800 / 700 | 3 % / 3 % / 3 % |" in row


def test_each_mode_keeps_its_own_results_and_blocks(tmp_path, monkeypatch):
    results = tmp_path / "results"
    for mode, ratio in (("embedded", 0.9), ("services", 0.6)):
        (results / mode).mkdir(parents=True)
        data = _result(mode, "healthz", [ratio], f"2026-12-02T0{len(mode) % 9}:00:00+00:00")
        (results / mode / "healthz.json").write_text(json.dumps(data))
    # A file of the layout before the modes were kept apart, older than the embedded one.
    old = _result("embedded", "healthz", [0.1], "2026-11-01T00:00:00+00:00")
    (results / "healthz.json").write_text(json.dumps(old))
    monkeypatch.setattr(report, "RESULTS_DIR", results)
    monkeypatch.setattr(markdown, "load_results", report.load_results)
    monkeypatch.setattr(markdown, "load_reindex", lambda: None)
    path = tmp_path / "RESULTS.md"
    path.write_text(markdown.TEMPLATE + "\nhand-written notes\n")

    markdown.regenerate(path)

    text = path.read_text()
    embedded = text.split("GENERATED: scenarios:embedded -->")[1]
    services = text.split("GENERATED: scenarios:services -->")[1]
    assert "| 0.90 | 0.90 | 0.90 |" in embedded
    assert "0.10" not in embedded
    assert "| 0.60 | 0.60 | 0.60 |" in services
    assert text.endswith("hand-written notes\n")
