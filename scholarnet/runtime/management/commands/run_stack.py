"""``manage.py run_stack``: the whole platform in one foreground process group.

Migrates, loads the demo data, then runs the web server, a Celery worker and Celery beat as child
processes. Ctrl-C (or SIGTERM) stops every child and, in the embedded mode, the embedded Redis this
process started; when any child dies the others are stopped too, so nothing is ever left running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from io import StringIO
from types import FrameType

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from scholarnet.runtime.redis_server import ensure_embedded_redis, stop_owned_server

SHUTDOWN_GRACE_SECONDS = 15


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")
        parser.add_argument("--no-beat", action="store_true", help="do not start beat")

    def handle(self, *args: object, **options: object) -> None:
        if settings.EMBEDDED_REDIS:
            ensure_embedded_redis()
        call_command("migrate", interactive=False, verbosity=0)
        demo_report = StringIO()
        call_command("demo_data", stdout=demo_report)
        children = self._start_children(options)
        self._print_banner(str(options["host"]), int(options["port"]), demo_report.getvalue())  # type: ignore[call-overload]
        exit_code = self._supervise(children)
        stop_owned_server()
        sys.exit(exit_code)

    def _start_children(self, options: dict[str, object]) -> list[Child]:
        python = sys.executable
        var_dir = str(settings.VAR_DIR)
        commands = {
            "web": [python, "manage.py", "runserver", "--noreload",
                    f"{options['host']}:{options['port']}"],
            "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                       "--concurrency", "2", "--hostname", "worker@%h"],
            "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                     "--schedule", os.path.join(var_dir, "celerybeat-schedule")],
        }  # fmt: skip
        if options["no_worker"]:
            del commands["worker"]
        if options["no_beat"]:
            del commands["beat"]
        return [Child(name, subprocess.Popen(argv)) for name, argv in commands.items()]

    def _supervise(self, children: list[Child]) -> int:
        stopping = False

        def request_stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        exit_code = 0
        while not stopping:
            exited = next((c for c in children if c.process.poll() is not None), None)
            if exited is not None:
                exit_code = exited.process.returncode or 1
                self.stderr.write(f"{exited.name} exited ({exited.process.returncode}); stopping")
                break
            time.sleep(0.2)
        self._stop(children)
        return exit_code

    def _stop(self, children: list[Child]) -> None:
        for child in children:
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
        for child in children:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                child.process.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()

    def _print_banner(self, host: str, port: int, demo_report: str) -> None:
        base = f"http://{host}:{port}"
        lines = [
            "",
            "ScholarNet is running (Ctrl-C stops everything).",
            f"  API docs   {base}/api/docs/",
            f"  API        {base}/api/v1/",
            f"  Admin      {base}/admin/",
            f"  Health     {base}/healthz   {base}/readyz",
            f"  Metrics    {base}/metrics",
            "",
            *(f"  {line}" for line in demo_report.splitlines()),
            "",
        ]
        self.stdout.write("\n".join(lines))
