"""The production web server (granian) and the checks made before it starts.

granian's workers share their listening socket with ``SO_REUSEPORT``, and so would a second
granian started on the same port: the kernel would split the connections between two servers,
possibly two versions of the code, and nothing would say so. Every documented start (``make
run``, ``manage.py serve``, the Docker image, ``deploy/local-services.sh``) therefore binds the
port once without port reuse first, and refuses to start when something already listens there.
"""

from __future__ import annotations

import errno
import socket
import sys
from pathlib import Path

from django.core.management.base import CommandError

DEFAULT_BLOCKING_THREADS = 4


class PortInUseError(CommandError):
    pass


def ensure_port_free(host: str, port: int) -> None:
    """Raise :class:`PortInUseError` when another process listens on ``host:port``."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    probe = socket.socket(family, socket.SOCK_STREAM)
    try:
        # REUSEADDR lets a port in TIME_WAIT (the previous run) pass; a listener never does,
        # and without REUSEPORT neither does a granian that shares its socket.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise CommandError(f"cannot bind {host}:{port}: {error.strerror}") from error
        raise PortInUseError(
            f"Port {port} on {host} is already in use: another server (perhaps ScholarNet "
            f"started earlier) listens there. Stop it, or choose another port (PORT={port + 1})."
        ) from error
    finally:
        probe.close()


def granian_argv(*, host: str, port: int, workers: int) -> list[str]:
    """The command line of granian serving ``config.wsgi`` (as in the Dockerfile)."""
    executable = Path(sys.executable).with_name("granian")
    return [
        str(executable),
        "--interface", "wsgi",
        "config.wsgi:application",
        "--host", host,
        "--port", str(port),
        "--workers", str(workers),
        "--blocking-threads", str(DEFAULT_BLOCKING_THREADS),
        "--respawn-failed-workers",
    ]  # fmt: skip
