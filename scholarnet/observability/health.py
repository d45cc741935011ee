"""Liveness and readiness probes.

``/healthz`` answers as long as the process serves requests and touches nothing else, so a
restart is never triggered by a dependency outage. ``/readyz`` checks what a request needs: the
database, Redis, the Celery broker and, with the Kafka transport, a Kafka bootstrap server. The
checks run in parallel threads under one deadline (``READINESS_TIMEOUT``), so a
dependency that hangs makes the probe fail instead of hanging it.

A check returns ``"ok"`` or ``"skipped"`` (nothing to check in this run mode) or raises; the body
names each failure with the exception type only, and the full message goes to the log, so the
public probe does not reveal hosts or credentials.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeoutError
from contextvars import copy_context
from urllib.parse import urlsplit

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

Check = Callable[[], str]
OK = "ok"
SKIPPED = "skipped"
# Client-side timeout for each connection a check opens; the overall deadline is a setting.
CONNECT_TIMEOUT = 1.0
KAFKA_DEFAULT_PORT = 9092


def check_database() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # Checks run in a short-lived thread: its connection must not outlive it.
        connection.close()
    return OK


def check_redis() -> str:
    from django_redis import get_redis_connection

    get_redis_connection("default").ping()
    return OK


def check_broker() -> str:
    broker_url = getattr(settings, "CELERY_BROKER_URL", "")
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) or not broker_url:
        return SKIPPED
    from kombu import Connection

    transport_options = {
        "socket_timeout": CONNECT_TIMEOUT,
        "socket_connect_timeout": CONNECT_TIMEOUT,
    }
    with Connection(
        broker_url, connect_timeout=CONNECT_TIMEOUT, transport_options=transport_options
    ) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=CONNECT_TIMEOUT
        )
    return OK


def check_kafka() -> str:
    """One reachable bootstrap server is enough: the client learns the rest of the cluster."""
    servers = list(settings.KAFKA_BOOTSTRAP_SERVERS)
    if not servers:
        raise ValueError("KAFKA_BOOTSTRAP_SERVERS is empty")
    last_error: OSError | None = None
    for server in servers:
        address = urlsplit(f"//{server.strip()}")
        try:
            with socket.create_connection(
                (address.hostname or "", address.port or KAFKA_DEFAULT_PORT),
                timeout=CONNECT_TIMEOUT,
            ):
                return OK
        except OSError as exc:
            last_error = exc
    assert last_error is not None
    raise last_error


def readiness_checks() -> dict[str, Check]:
    checks: dict[str, Check] = {
        "database": check_database,
        "redis": check_redis,
        "broker": check_broker,
    }
    if settings.EVENTS_TRANSPORT == "kafka":
        checks["kafka"] = check_kafka
        # Outbox rows waiting while no relay delivers (a broker it cannot write to, no relay).
        checks["events_relay"] = check_events_relay
    return checks


def check_events_relay() -> str:
    from scholarnet.events.relay_health import check_relay

    return check_relay()


def run_checks(checks: dict[str, Check], *, timeout: float) -> dict[str, str]:
    """Run every check at once; a check still running at the deadline is reported as timed out."""
    executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
    try:
        futures: dict[str, Future[str]] = {
            # Each thread runs in a copy of this context so its log lines keep the request id.
            name: executor.submit(copy_context().run, _run_check, name, check)
            for name, check in checks.items()
        }
        deadline = time.monotonic() + timeout
        results = {}
        for name, future in futures.items():
            try:
                results[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
            except FutureTimeoutError:
                logger.warning("readiness check timed out", extra={"check": name})
                results[name] = f"error: timed out after {timeout:g}s"
        return results
    finally:
        # A hung check is abandoned, not awaited; its own socket timeouts end the thread.
        executor.shutdown(wait=False, cancel_futures=True)


def _run_check(name: str, check: Check) -> str:
    try:
        return check()
    except Exception as exc:
        logger.warning("readiness check failed", extra={"check": name, "error": repr(exc)})
        return f"error: {type(exc).__name__}"


@csrf_exempt
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    results = run_checks(readiness_checks(), timeout=settings.READINESS_TIMEOUT)
    if any(result.startswith("error") for result in results.values()):
        return JsonResponse({"status": "unavailable", "checks": results}, status=503)
    return JsonResponse({"status": "ok", "checks": results})
