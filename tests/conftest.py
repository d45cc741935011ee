"""Shared fixtures and the rules for tests that need real servers.

Tests marked ``real_db`` or ``kafka`` run only when the matching server is configured
(``DATABASE_URL`` pointing at a server database, ``KAFKA_BOOTSTRAP_SERVERS``). Locally they are
reported as skipped; under ``CI=true`` a missing or unreachable service fails the run at start.
``elasticsearch`` tests run when ``ELASTICSEARCH_URL`` is set; no CI machine has that server.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def _database_is_server() -> bool:
    return urlsplit(os.environ.get("DATABASE_URL", "")).scheme not in ("", "sqlite")


SERVICE_MARKERS = {
    "real_db": ("DATABASE_URL (a server database)", _database_is_server),
    "kafka": ("KAFKA_BOOTSTRAP_SERVERS", lambda: bool(os.environ.get("KAFKA_BOOTSTRAP_SERVERS"))),
    "elasticsearch": ("ELASTICSEARCH_URL", lambda: bool(os.environ.get("ELASTICSEARCH_URL"))),
}
REQUIRED_IN_CI = {
    "DATABASE_URL": lambda: os.environ.get("DATABASE_URL", ""),
    "REDIS_URL": lambda: os.environ.get("REDIS_URL", ""),
    "KAFKA_BOOTSTRAP_SERVERS": lambda: os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").split(",")[0],
}


def _reachable(url: str) -> bool:
    if "://" not in url:
        url = f"tcp://{url}"
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=3):
            return True
    except OSError:
        return False


def pytest_sessionstart(session: pytest.Session) -> None:
    if not IN_CI or hasattr(session.config, "workerinput"):
        return
    problems = []
    for name, read in REQUIRED_IN_CI.items():
        url = read()
        if not url:
            problems.append(f"{name} is not set")
        elif not _reachable(url):
            problems.append(f"{name}={url} is not reachable")
    if problems:
        raise pytest.UsageError("CI=true needs every real service: " + "; ".join(problems))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        for marker, (needs, configured) in SERVICE_MARKERS.items():
            if marker in item.keywords and not configured():
                item.add_marker(pytest.mark.skip(reason=f"needs {needs}"))


@pytest.fixture(autouse=True)
def _clean_redis(settings):
    """Each test starts with an empty Redis database of its own (see config/settings/test.py)."""
    from django_redis import get_redis_connection

    get_redis_connection("default").flushdb()


@pytest.fixture(autouse=True)
def _clear_local_cache():
    """The process-local cache tier outlives a test; start each one with it empty."""
    from apps.articles.providers import local_counts
    from apps.users.providers import local_follow_counts
    from scholarnet.cache import two_level_cache

    two_level_cache.clear_local()
    local_counts.clear()
    local_follow_counts.clear()
    yield
    two_level_cache.clear_local()
    local_counts.clear()
    local_follow_counts.clear()


@pytest.fixture(autouse=True)
def _celery_join_flag():
    """Eager tasks run inside Celery's process-global "joining would block" flag.

    ``Task.apply`` saves, sets and restores that flag without a lock, so eager tasks that run on
    several threads at once (the race tests) can leave it set, and a later ``result.get()`` then
    refuses to run. Put it back after every test.
    """
    from celery import _state as celery_state

    yield
    celery_state._set_task_join_will_block(False)
