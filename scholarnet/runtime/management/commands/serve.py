"""``manage.py serve``: the production web server, after a pre-flight check of its port.

Replaces itself with granian (so a process manager's signals reach the server directly), but
only once nothing else listens on the port: granian shares its socket with port reuse, so a
second server on the same port would otherwise start silently and take half the connections.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from scholarnet.observability.multiprocess import multiprocess_dir
from scholarnet.runtime.web import ensure_port_free, granian_argv


class Command(BaseCommand):
    help = "Check that the port is free, then run granian serving config.wsgi."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")),
            help="granian worker processes (one per core is a good start)",
        )  # fmt: skip

    def handle(self, *args: object, **options: Any) -> None:
        host, port, workers = str(options["host"]), int(options["port"]), int(options["workers"])
        ensure_port_free(host, port)
        metrics = multiprocess_dir()
        if workers > 1 and metrics is None:
            self.stderr.write(
                "PROMETHEUS_MULTIPROC_DIR is not set: each worker will answer /metrics with "
                "its own counts only."
            )
        argv = granian_argv(host=host, port=port, workers=workers)
        self.stdout.write(f"serving on http://{host}:{port} with {workers} worker(s)")
        self.stdout.flush()
        os.execv(argv[0], argv)  # noqa: S606 - our own argument list, no shell
