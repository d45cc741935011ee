"""wrk: making sure it is installed, driving it, and reading its report."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.runtime import BenchError

INSTALL_HINT = (
    "wrk is not installed. Install it with your package manager, e.g. on Debian/Ubuntu:\n"
    "    sudo apt-get install -y wrk\n"
    "(macOS: brew install wrk), then run the benchmark again."
)

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


class WrkMissing(BenchError):
    pass


@dataclass(frozen=True)
class LoadParameters:
    threads: int
    connections: int
    duration: int

    def as_dict(self) -> dict[str, int]:
        return {
            "threads": self.threads,
            "connections": self.connections,
            "duration_s": self.duration,
        }


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    requests_per_second: float
    latency_ms: dict[str, float]
    socket_errors: dict[str, int]
    non_2xx_3xx: int

    @property
    def errors(self) -> int:
        return sum(self.socket_errors.values()) + self.non_2xx_3xx


def ensure_wrk() -> str:
    """The wrk executable; installs the Debian package when running as root with apt."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise WrkMissing(INSTALL_HINT)
    print("wrk not found: installing the Debian package 'wrk' with apt-get")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=apt_env, timeout=600).returncode != 0:
        subprocess.run(["apt-get", "update"], env=apt_env, timeout=600, check=False)
        subprocess.run(install, env=apt_env, timeout=600, check=False)
    found = shutil.which("wrk")
    if not found:
        raise WrkMissing(INSTALL_HINT)
    return found


def wrk_version(executable: str) -> str:
    # wrk has no --version; -v prints "wrk 4.1.0 [epoll] ..." and its usage text.
    completed = subprocess.run(
        [executable, "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    first_line = (completed.stdout or completed.stderr).strip().splitlines()[:1]
    return first_line[0].split(" Copyright")[0] if first_line else "unknown"


def lua_script(method: str, headers: Mapping[str, str], body: str | None) -> str | None:
    """A wrk script setting method, headers and body; None when plain GETs suffice."""
    if method == "GET" and not headers and body is None:
        return None
    lines = [f"wrk.method = {_lua_string(method)}"]
    lines += [f"wrk.headers[{_lua_string(k)}] = {_lua_string(v)}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {_lua_string(body)}")
    return "\n".join(lines) + "\n"


def _lua_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def run_wrk(
    executable: str, url: str, load: LoadParameters, script: Path | None = None
) -> WrkResult:
    """One bounded wrk run; raises when wrk fails or its report cannot be read."""
    args = [executable, "-t", str(load.threads), "-c", str(load.connections)]
    args += ["-d", f"{load.duration}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    args.append(url)
    completed = subprocess.run(
        args, capture_output=True, text=True, timeout=load.duration + 60, check=False
    )
    if completed.returncode != 0:
        raise BenchError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    return parse_wrk_output(completed.stdout)


def parse_wrk_output(output: str) -> WrkResult:
    requests, duration = _match(r"(\d+) requests in ([\d.]+\w+),", output)
    return WrkResult(
        requests=int(requests),
        duration_s=_duration_ms(duration) / 1000.0,
        requests_per_second=float(_match(r"Requests/sec:\s+([\d.]+)", output)[0]),
        latency_ms=_latency(output),
        socket_errors=_socket_errors(output),
        non_2xx_3xx=int(_optional(r"Non-2xx or 3xx responses:\s+(\d+)", output, "0")),
    )


def _latency(output: str) -> dict[str, float]:
    average, _, maximum = _match(r"Latency\s+([\d.]+\w+)\s+([\d.]+\w+)\s+([\d.]+\w+)", output)
    latency = {"avg": _duration_ms(average), "max": _duration_ms(maximum)}
    for percentile, value in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+\w+)", output, re.M):
        latency[f"p{percentile}"] = _duration_ms(value)
    if "p99" not in latency:
        raise BenchError("wrk report has no latency distribution (was --latency passed?)")
    return latency


def _socket_errors(output: str) -> dict[str, int]:
    found = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    counts = [int(value) for value in found.groups()] if found else [0, 0, 0, 0]
    return dict(zip(("connect", "read", "write", "timeout"), counts, strict=True))


def _duration_ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", text).groups()  # type: ignore[union-attr]
    return round(float(number) * _UNITS_MS[unit], 3)


def _match(pattern: str, output: str) -> tuple[str, ...]:
    found = re.search(pattern, output)
    if found is None:
        raise BenchError(f"unexpected wrk output (no match for {pattern!r}):\n{output}")
    return found.groups()


def _optional(pattern: str, output: str, default: str) -> str:
    found = re.search(pattern, output)
    return found.group(1) if found else default
