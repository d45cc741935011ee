"""Results: one JSON file per scenario, ``wsgi_servers.json``, and the tables in RESULTS.md.

RESULTS.md mixes generated tables (between ``BEGIN GENERATED``/``END GENERATED`` markers, rewritten
on every run) with hand-written notes around them, which are kept as they are.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
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
class RoundFigures:
    """One round of one scenario: what it did, against the bare view of the same round."""

    requests_per_second: float
    ratio_to_bare: float | None
    other_load_pct: float | None
    p50_ms: float
    p99_ms: float
    errors: int
    # Reads that left the process (to Redis or the database) per request, from cache counters.
    remote_reads_per_request: float | None = None
    # The bare view's requests/s measured just before and just after this scenario.
    bare_around_rps: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        ratio = None if self.ratio_to_bare is None else round(self.ratio_to_bare, 3)
        remote = self.remote_reads_per_request
        around = self.bare_around_rps
        return {
            "bare_around_rps": None if around is None else [round(v, 1) for v in around],
            "remote_reads_per_request": None if remote is None else round(remote, 4),
            "requests_per_second": round(self.requests_per_second, 1),
            "ratio_to_bare": ratio,
            "other_load_pct": self.other_load_pct,
            "latency_ms": {"p50": self.p50_ms, "p99": self.p99_ms},
            "errors": self.errors,
        }


@dataclass(frozen=True)
class Outcome:
    """One scenario on one server: measured, or skipped with the reason."""

    scenario: Scenario
    result: WrkResult | None = None
    skipped: str | None = None
    ratio_to_bare: float | None = None
    # CPU used by other processes during the measurement, as a share of the machine.
    foreign_load_pct: float | None = None
    # Every round of a run, in order; the fields above are then its median round's.
    rounds: tuple[RoundFigures, ...] = ()
    # How the workers' caches answered during the measurement (changes of their counters).
    cache_counters: dict[str, float] | None = None
    # The bare view's requests/s just before and just after this scenario, on the same server:
    # the ratio is against their mean, so a machine that drifts during a run moves both.
    bare_around_rps: tuple[float, float] | None = None

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
        if self.bare_around_rps is not None:
            data["bare_around_rps"] = [round(value, 1) for value in self.bare_around_rps]
        if self.scenario.connections is not None:
            data["connections"] = self.scenario.connections
        if self.cache_counters:
            data["cache_counters"] = self.cache_counters
        if self.rounds:
            ratios = [r.ratio_to_bare for r in self.rounds if r.ratio_to_bare is not None]
            data["rounds"] = [figures.as_dict() for figures in self.rounds]
            data["ratio_min"] = round(min(ratios), 3) if ratios else None
            data["ratio_median"] = round(statistics.median(ratios), 3) if ratios else None
        return data

    @property
    def ratio(self) -> float | None:
        return None if self.ratio_to_bare is None else round(self.ratio_to_bare, 3)

    def figures(self) -> RoundFigures | None:
        """This measurement as one round's figures (None when it was not measured)."""
        if self.result is None:
            return None
        return RoundFigures(
            requests_per_second=self.result.requests_per_second,
            ratio_to_bare=self.ratio_to_bare,
            other_load_pct=self.foreign_load_pct,
            p50_ms=self.result.latency_ms["p50"],
            p99_ms=self.result.latency_ms["p99"],
            errors=self.result.errors,
            remote_reads_per_request=remote_reads_per_request(
                self.cache_counters or {}, self.result.requests
            ),
            bare_around_rps=self.bare_around_rps,
        )


def remote_reads_per_request(counters: dict[str, float], requests: int) -> float | None:
    """Reads that left the process per request: two-level reads that reached Redis (hits there
    and misses), and counts the refresh-ahead tables loaded (misses, bulk refreshes)."""
    if requests <= 0 or not counters:
        return None
    remote = sum(
        value
        for name, value in counters.items()
        if name.startswith(
            ("scholarnet_cache_hits{cache=default,tier=redis", "scholarnet_cache_misses")
        )
        or name.endswith((".misses", ".refreshes"))
    )
    return remote / requests


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


def mode_dir(mode: str) -> Path:
    """Where a mode's scenario results live: one run per mode is kept, the modes side by side."""
    return RESULTS_DIR / mode


def write_scenario_results(run: dict[str, Any], outcomes: list[Outcome]) -> None:
    directory = mode_dir(run["mode"])
    directory.mkdir(parents=True, exist_ok=True)
    for outcome in outcomes:
        _write_json(directory / f"{outcome.scenario.name}.json", outcome.as_dict() | {"run": run})


def write_server_comparison(run: dict[str, Any], servers: list[dict[str, Any]]) -> None:
    RESULTS_DIR.mkdir(exist_ok=True)
    _write_json(RESULTS_DIR / SERVERS_FILE, {"run": run, "servers": servers})


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")


def load_results() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Every scenario result on disk (per mode and scenario the newest), and the server comparison.

    Results live in ``results/<mode>/``; a file directly in ``results/`` (the layout before the
    modes were kept apart) still counts, under the mode its run names.
    """
    newest: dict[tuple[str, str], dict[str, Any]] = {}
    comparison = None
    for path in sorted([*RESULTS_DIR.glob("*.json"), *RESULTS_DIR.glob("*/*.json")]):
        if path.name == REINDEX_FILE:
            continue
        data = json.loads(path.read_text())
        if path.name == SERVERS_FILE:
            comparison = data
        elif "run" in data and "scenario" in data:  # a setup's own figures are no result
            key = (data["run"]["mode"], data["scenario"])
            if key not in newest or newest[key]["run"]["timestamp"] < data["run"]["timestamp"]:
                newest[key] = data
    return list(newest.values()), comparison


def load_reindex() -> dict[str, Any] | None:
    """The last search rebuild's figures (written by the search scenarios' setup), if any."""
    path = RESULTS_DIR / REINDEX_FILE
    return json.loads(path.read_text()) if path.exists() else None
