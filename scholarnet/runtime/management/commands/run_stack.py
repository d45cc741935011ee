"""``manage.py run_stack``: the whole platform in one foreground process group.

Checks that the port is free, migrates, collects the static files, creates the demo moderator,
then runs the web server, a Celery worker and Celery beat as child processes. The web server is
granian with the settings of the process (``make run``: ``config.settings.single``, DEBUG off);
``--dev`` runs Django's autoreloading development server instead (``make dev``). Every child
writes its metrics to one multiprocess directory, emptied at each start, so ``/metrics`` sums
them all. Ctrl-C (or SIGTERM) stops every child and, in the embedded mode, the embedded Redis
this process started; when any child dies the others are stopped too, so nothing is left running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from scholarnet.observability.multiprocess import multiprocess_dir_reset, multiprocess_environment
from scholarnet.runtime.demo import demo_admin_ensure, demo_login_lines
from scholarnet.runtime.redis_server import (
    die_with_parent,
    ensure_embedded_redis,
    stop_owned_server,
)
from scholarnet.runtime.web import ensure_port_free, granian_argv

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
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")),
            help="granian worker processes",
        )  # fmt: skip
        parser.add_argument(
            "--dev", action="store_true", help="Django's autoreloading server instead of granian"
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start a worker")
        parser.add_argument("--no-beat", action="store_true", help="do not start beat")

    def handle(self, *args: object, **options: Any) -> None:
        host, port = str(options["host"]), int(options["port"])
        # Before anything else, so a second `make run` touches nothing of the first one.
        ensure_port_free(host, port)
        if settings.EMBEDDED_REDIS:
            ensure_embedded_redis()
        call_command("migrate", interactive=False, verbosity=0)
        if not options["dev"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        login = demo_admin_ensure()
        # The demo authors and articles of a first start (manage.py demo_data; idempotent).
        if os.environ.get("DEMO_DATA", "true").strip().lower() not in ("false", "0", "no"):
            call_command("demo_data", "--no-login")
        children = self._start_children(options, host=host, port=port)
        self._print_banner(host, port, demo_login_lines(login))
        exit_code = self._supervise(children)
        stop_owned_server()
        sys.exit(exit_code)

    def _child_environment(self) -> dict[str, str]:
        metrics_dir = multiprocess_dir_reset(path=settings.VAR_DIR / "prometheus")
        return {
            **os.environ,
            # The children use these settings even where their own default differs (wsgi.py).
            "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
            **multiprocess_environment(path=metrics_dir),
        }

    def _start_children(self, options: dict[str, Any], *, host: str, port: int) -> list[Child]:
        python = sys.executable
        web = (
            [python, "manage.py", "runserver", f"{host}:{port}"]
            if options["dev"]
            else granian_argv(host=host, port=port, workers=int(options["workers"]))
        )
        commands = {
            "web": web,
            "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO",
                       "--concurrency", "2", "--hostname", "worker@%h"],
            # The database scheduler (CELERY_BEAT_SCHEDULER): the schedules the admin edits.
            "beat": [python, "-m", "celery", "-A", "config", "beat", "--loglevel", "INFO"],
        }  # fmt: skip
        if options["no_worker"]:
            del commands["worker"]
        if options["no_beat"]:
            del commands["beat"]
        environment = self._child_environment()
        return [Child(name, _spawn(argv, environment)) for name, argv in commands.items()]

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
                self.stderr.write(f"{child.name} did not stop in time; killing it")
            # Its own workers too: a server killed outright would leave them orphaned.
            _kill_group(child.process.pid)
            child.process.wait()

    def _print_banner(self, host: str, port: int, login_lines: list[str]) -> None:
        base = f"http://{host}:{port}"
        lines = [
            "",
            "ScholarNet is running (Ctrl-C stops everything).",
            f"  Settings   {settings.SETTINGS_MODULE} (DEBUG {'on' if settings.DEBUG else 'off'})",
            f"  Site       {base}/",
            f"  API docs   {base}/api/docs/",
            f"  API        {base}/api/v1/",
            f"  Admin      {base}/admin/",
            f"  Health     {base}/healthz   {base}/readyz",
            f"  Metrics    {base}/metrics",
            f"  Data       {settings.VAR_DIR} (database, search index, secrets.env)",
            "",
            *(f"  {line}" for line in login_lines),
            "",
        ]
        self.stdout.write("\n".join(lines))


def _spawn(argv: list[str], environment: dict[str, str]) -> subprocess.Popen[bytes]:
    # Each child leads its own process group, so Ctrl-C reaches only this supervisor, which
    # then stops the children in order: granian hangs when its workers get SIGINT directly.
    # The parent-death signal stops a child even when this process is killed outright.
    return subprocess.Popen(
        argv,
        env=environment,
        cwd=settings.BASE_DIR,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )


def _kill_group(group_id: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group_id, signal.SIGKILL)
