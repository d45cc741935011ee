"""Results: one JSON file per scenario, ``wsgi_servers.json``, and the tables in RESULTS.md.

RESULTS.md mixes generated tables (between ``BEGIN GENERATED``/``END GENERATED`` markers, rewritten
on every run) with hand-written notes around them, which are kept as they are.
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.scenarios import REINDEX_FILE, Scenario
from bench.wrk import WrkResult

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
SERVERS_FILE = "wsgi_servers.json"


@dataclass(frozen=True)
class Outcome:
    """One scenario on one server: measured, or skipped with the reason."""

    scenario: Scenario
    result: WrkResult | None = None
    skipped: str | None = None
    ratio_to_bare: float | None = None
    # CPU used by other processes during the measurement, as a share of the machine.
    foreign_load_pct: float | None = None
    # Requests/s of every round when the run had several.
    rounds_rps: tuple[float, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "scenario": self.scenario.name,
            "path": self.scenario.path,
            "description": self.scenario.description,
        }
        if self.result is None:
            return data | {"status": "unavailable", "reason": self.skipped}
        data |= {"status": "ok"} | _numbers(self.result)
        data |= {"ratio_to_bare": self.ratio, "other_load_pct": self.foreign_load_pct}
        if self.scenario.connections is not None:
            data["connections"] = self.scenario.connections
        if self.rounds_rps:
            data["rounds_rps"] = [round(rps, 1) for rps in self.rounds_rps]
        return data

    @property
    def ratio(self) -> float | None:
        return None if self.ratio_to_bare is None else round(self.ratio_to_bare, 3)


def _numbers(result: WrkResult) -> dict[str, Any]:
    return {
        "requests_per_second": round(result.requests_per_second, 1),
        "latency_ms": result.latency_ms,
        "requests": result.requests,
        "duration_s": result.duration_s,
        "errors": {
            **result.socket_errors,
            "non_2xx_3xx": result.non_2xx_3xx,
            "total": result.errors,
        },
    }


def machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": version("django"),
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text() if cpuinfo.exists() else ""
    found = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return found.group(1).strip() if found else platform.processor() or "unknown"


def _memory_gib() -> float | None:
    meminfo = Path("/proc/meminfo")
    found = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text() if meminfo.exists() else "")
    return round(int(found.group(1)) / 1024**2, 1) if found else None


def git_commit(root: Path) -> dict[str, Any]:
    def git(*args: str) -> str:
        completed = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False
        )
        return completed.stdout.strip()

    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {"commit": git("rev-parse", "HEAD") or "unknown", "dirty": dirty}


def now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def write_scenario_results(run: dict[str, Any], outcomes: list[Outcome]) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    for outcome in outcomes:
        _write_json(RESULTS_DIR / f"{outcome.scenario.name}.json", outcome.as_dict() | {"run": run})


def write_server_comparison(run: dict[str, Any], servers: list[dict[str, Any]]) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    _write_json(RESULTS_DIR / SERVERS_FILE, {"run": run, "servers": servers})


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def load_results() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Every scenario result on disk, and the server comparison when there is one."""
    scenario_results, comparison = [], None
    for path in sorted(RESULTS_DIR.glob("*.json")):
        if path.name == REINDEX_FILE:
            continue
        data = json.loads(path.read_text())
        if path.name == SERVERS_FILE:
            comparison = data
        elif "run" in data:  # a setup's own figures (feed.json, ranking.json) are no result
            scenario_results.append(data)
    return scenario_results, comparison


def load_reindex() -> dict[str, Any] | None:
    """The last search rebuild's figures (written by the search scenarios' setup), if any."""
    path = RESULTS_DIR / REINDEX_FILE
    return json.loads(path.read_text()) if path.exists() else None
