"""The WSGI servers under test: how each is started, awaited and stopped.

Every server binds 127.0.0.1 on a free port below 32768 and runs in a process group of its own,
so stopping it takes its workers along and leaves nothing running.
"""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import partial
from importlib.metadata import version
from pathlib import Path

from bench.runtime import BenchEnvironment, BenchError

HOST = "127.0.0.1"
APPLICATION = "config.wsgi:application"
READY_TIMEOUT_S = 60
STOP_GRACE_S = 15
# Threads per worker for the threaded configurations (gunicorn gthread, granian).
THREADS_PER_WORKER = 4


@dataclass(frozen=True)
class ServerSpec:
    name: str
    package: str
    description: str
    arguments: Callable[[int, int], list[str]]

    def command(self, workers: int, port: int) -> list[str]:
        return [sys.executable, "-m", self.package, *self.arguments(workers, port)]

    def describe(self, workers: int) -> str:
        return f"{self.package} {version(self.package)}, {workers} workers, {self.description}"


def _gunicorn(workers: int, port: int, threads: int = 1) -> list[str]:
    arguments = [
        APPLICATION,
        "--workers", str(workers),
        "--bind", f"{HOST}:{port}",
        "--log-level", "warning",
    ]  # fmt: skip
    if threads > 1:
        arguments += ["--worker-class", "gthread", "--threads", str(threads)]
    return arguments


def _granian(workers: int, port: int, threads: int) -> list[str]:
    return [
        "--interface", "wsgi", APPLICATION,
        "--workers", str(workers),
        "--host", HOST,
        "--port", str(port),
        # The WSGI default is hundreds of threads per worker (backlog / workers / 2); each would
        # hold its own persistent database connection. Bounded like gunicorn's threads instead.
        "--blocking-threads", str(threads),
        "--respawn-failed-workers",
        "--no-ws",
        "--log-level", "warning",
    ]  # fmt: skip


SERVERS: dict[str, ServerSpec] = {
    spec.name: spec
    for spec in (
        ServerSpec("gunicorn", "gunicorn", "sync workers", _gunicorn),
        ServerSpec(
            "gunicorn-gthread",
            "gunicorn",
            f"gthread workers with {THREADS_PER_WORKER} threads",
            partial(_gunicorn, threads=THREADS_PER_WORKER),
        ),
        ServerSpec(
            "granian",
            "granian",
            f"WSGI, {THREADS_PER_WORKER} blocking threads per worker",
            partial(_granian, threads=THREADS_PER_WORKER),
        ),
        ServerSpec(
            "granian-single",
            "granian",
            "WSGI, 1 blocking thread per worker",
            partial(_granian, threads=1),
        ),
    )
}


@dataclass(frozen=True)
class RunningServer:
    spec: ServerSpec
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def url(self, path: str) -> str:
        return f"http://{HOST}:{self.port}{path}"


def free_port() -> int:
    """A free TCP port on 127.0.0.1 below the kernel's ephemeral range."""
    for port in random.sample(range(20_000, 32_768), 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise BenchError("no free port between 20000 and 32767")


@contextmanager
def serve(spec: ServerSpec, bench: BenchEnvironment, workers: int) -> Iterator[RunningServer]:
    port = free_port()
    log_path = bench.work_dir / f"server-{spec.name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            spec.command(workers, port),
            cwd=bench.root,
            env=bench.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        server = RunningServer(spec, process, port, log_path)
        try:
            wait_until_ready(server)
            yield server
        finally:
            stop_process_group(process)


def wait_until_ready(server: RunningServer) -> None:
    """Wait for /healthz; a 404 there still proves the server is answering."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(f"{server.spec.name} exited at start-up:\n{_tail(server.log_path)}")
        try:
            status, _ = request(server.url("/healthz"), timeout=2)
        except OSError:
            time.sleep(0.1)
            continue
        if status in (200, 404):
            return
        raise BenchError(f"/healthz answered {status}:\n{_tail(server.log_path)}")
    raise BenchError(f"{server.spec.name} not ready after {READY_TIMEOUT_S}s")


def request(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    timeout: float = 5,
) -> tuple[int, bytes]:
    host_port = url.split("/")[2]
    path = "/" + url.split("/", 3)[3]
    connection = http.client.HTTPConnection(host_port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the whole group, SIGKILL what is left after the grace period, then reap."""
    _signal_group(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_GRACE_S)
    deadline = time.monotonic() + STOP_GRACE_S
    while _group_alive(process.pid) and time.monotonic() < deadline:
        _signal_group(process.pid, signal.SIGKILL)
        time.sleep(0.1)


def _signal_group(group_id: int, signal_number: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(group_id, signal_number)


def _group_alive(group_id: int) -> bool:
    try:
        os.killpg(group_id, 0)
    except ProcessLookupError:
        return False
    return True


def group_memory_mib(group_id: int) -> float | None:
    """Proportional set size of every process in the group: shared pages are counted once."""
    total_kib, found = 0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group_id:
                continue
            total_kib += _pss_kib(stat.parent)
            found = True
        except (OSError, IndexError, ValueError):
            continue  # the process exited while being read
    return round(total_kib / 1024, 1) if found else None


def _pss_kib(process_dir: Path) -> int:
    rollup = process_dir / "smaps_rollup"
    source, field = (rollup, "Pss:") if rollup.exists() else (process_dir / "status", "VmRSS:")
    for line in source.read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
