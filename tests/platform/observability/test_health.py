"""``/healthz`` and ``/readyz`` against the real database and Redis, and with each one failing."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from django.db import OperationalError
from redis.backoff import NoBackoff
from redis.retry import Retry

from scholarnet.observability import health


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def broker_url_for(redis_url: str) -> str:
    return (
        "redis+socket://" + redis_url.removeprefix("unix://")
        if redis_url.startswith("unix://")
        else redis_url
    )


@pytest.mark.django_db
def test_healthz_is_ok_and_touches_nothing(client, monkeypatch, django_assert_num_queries):
    def unreachable(*args, **kwargs):
        raise AssertionError("healthz must not touch Redis")

    monkeypatch.setattr("django_redis.get_redis_connection", unreachable)

    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_head_and_refuses_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ok_with_broker_skipped_when_tasks_run_eagerly(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "broker": "skipped"},
    }
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_checks_the_real_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker_url_for(settings.REDIS_URL)

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "broker": "ok"},
    }


@pytest.mark.django_db
def test_readyz_is_503_naming_redis_when_redis_is_unreachable(client, monkeypatch):
    unreachable = redis.Redis(
        host="127.0.0.1", port=unused_port(), socket_connect_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    monkeypatch.setattr("django_redis.get_redis_connection", lambda alias: unreachable)

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "error: ConnectionError", "broker": "skipped"},
    }


class BrokenConnection:
    def cursor(self):
        raise OperationalError("(2003, \"Can't connect to MySQL server on 'db.internal'\")")

    def close(self) -> None:
        pass


@pytest.mark.django_db
def test_readyz_is_503_naming_the_database_without_revealing_the_host(client, monkeypatch):
    monkeypatch.setattr(health, "connections", {"default": BrokenConnection()})

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "error: OperationalError", "redis": "ok", "broker": "skipped"},
    }
    assert b"db.internal" not in response.content


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_it_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{unused_port()}/0"

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "ok",
        "broker": "error: OperationalError",
    }


@pytest.mark.django_db
def test_readyz_does_not_hang_on_a_hanging_dependency(client, settings, monkeypatch):
    settings.READINESS_TIMEOUT = 0.3
    release = threading.Event()

    def hanging() -> str:
        release.wait(10)
        return "ok"

    monkeypatch.setattr(health, "check_redis", hanging)
    started = time.monotonic()
    try:
        response = client.get("/readyz")
    finally:
        release.set()

    assert time.monotonic() - started < 2
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "error: timed out after 0.3s",
        "broker": "skipped",
    }


@pytest.mark.django_db
def test_readyz_checks_kafka_with_the_kafka_transport(client, settings, listening_port):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.KAFKA_BOOTSTRAP_SERVERS = [f"127.0.0.1:{unused_port()}", f"127.0.0.1:{listening_port}"]

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "ok",
        "broker": "skipped",
        "kafka": "ok",
        "events_relay": "ok",
    }


@pytest.mark.django_db
def test_readyz_is_503_naming_kafka_when_no_bootstrap_server_answers(client, settings):
    settings.EVENTS_TRANSPORT = "kafka"
    settings.KAFKA_BOOTSTRAP_SERVERS = [f"127.0.0.1:{unused_port()}"]

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["kafka"] == "error: ConnectionRefusedError"


def test_a_failing_check_is_logged_with_its_full_message(caplog):
    def failing() -> str:
        raise OperationalError("db.internal refused")

    results = health.run_checks({"database": failing}, timeout=1)

    assert results == {"database": "error: OperationalError"}
    [record] = [r for r in caplog.records if r.name == "scholarnet.observability.health"]
    assert record.getMessage() == "readiness check failed"
    assert record.check == "database"
    assert record.error == "OperationalError('db.internal refused')"
