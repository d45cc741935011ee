"""A ScholarNet stack (``manage.py run_stack``) in a subprocess, as ``make run`` starts it."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[3]
# Variables of a services-mode run (CI) that would point the stack away from its embedded
# defaults, and secrets that must come from the installation, not from the caller.
SCRUBBED = (
    "DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "KAFKA_BOOTSTRAP_SERVERS",
    "EVENTS_TRANSPORT", "SEARCH_BACKEND", "ELASTICSEARCH_URL", "DJANGO_SECRET_KEY",
    "JWT_SIGNING_KEY", "DJANGO_DEBUG", "PROMETHEUS_MULTIPROC_DIR", "DJANGO_SETTINGS_MODULE",
    "VAR_DIR", "STATIC_ROOT", "PORT", "PYTEST_XDIST_WORKER", "TEST_DATABASE_NAME",
)  # fmt: skip
USER_AGENT = "scholarnet-stack-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def short_var_dir() -> Path:
    # The embedded Redis socket lives in it, and Unix socket paths are limited to ~100 bytes.
    return Path(tempfile.mkdtemp(prefix="sn-stack-", dir="/tmp"))


def stack_environment(var_dir: Path, **extra: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name not in SCRUBBED}
    return environment | {
        "DJANGO_SETTINGS_MODULE": "config.settings.single",
        "VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


@dataclass
class Stack:
    var_dir: Path
    port: int
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return "".join(self.lines)

    def wait_until_serving(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the stack exited early:\n{self.output()}")
            if "ScholarNet is running" in self.output():
                try:
                    if request(f"{self.base}/healthz")[0] == 200:
                        return
                except OSError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"the stack did not serve in {timeout} s:\n{self.output()}")

    def interrupt(self, timeout: float = 40.0) -> int:
        """Ctrl-C as a terminal sends it: SIGINT to the whole foreground process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def demo_password(self) -> str:
        match = re.search(r"Demo login: \S+ / (\S+)", self.output())
        assert match, self.output()
        return match.group(1)


def start_stack(var_dir: Path, *arguments: str, port: int | None = None) -> Stack:
    port = port or free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_stack", "--port", str(port), *arguments],
        cwd=BASE_DIR,
        env=stack_environment(var_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, like a shell's foreground job
    )
    stack = Stack(var_dir=var_dir, port=port, process=process)
    threading.Thread(target=_collect, args=(process, stack.lines), daemon=True).start()
    return stack


def _collect(process: subprocess.Popen[str], lines: list[str]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line)


def stop_quietly(stack: Stack) -> None:
    if stack.process.poll() is None:
        try:
            stack.interrupt()
        except subprocess.TimeoutExpired:
            os.killpg(stack.process.pid, signal.SIGKILL)
    for pid in processes_using(stack.var_dir):
        os.kill(pid, signal.SIGKILL)
    shutil.rmtree(stack.var_dir, ignore_errors=True)


def processes_using(var_dir: Path) -> list[int]:
    """Processes started with this VAR_DIR in their environment (every child of the stack)."""
    marker = f"VAR_DIR={var_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def request(
    url: str, *, body: dict | None = None, token: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"User-Agent": USER_AGENT}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    http_request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(http_request, timeout=10) as response:
            return response.status, _lower(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, _lower(error.headers), error.read()


def _lower(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}  # type: ignore[attr-defined]


def children_of(parent: int) -> dict[int, str]:
    """Direct children of ``parent``: pid → command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat_fields[1]) == parent:
            found[int(entry.name)] = command
    return found
