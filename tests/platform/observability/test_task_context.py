"""The request id travels with a Celery task into the worker."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from celery import Celery, shared_task
from celery import _state as celery_state
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings

from scholarnet.observability import task_context
from scholarnet.observability.logging import get_request_id, request_id_var


@pytest.fixture
def request_id():
    """``request_id("x")`` makes x the current request id until the test ends."""
    tokens = []
    yield lambda value: tokens.append(request_id_var.set(value))
    for token in reversed(tokens):
        request_id_var.reset(token)


def test_publishing_inside_a_request_adds_the_header(request_id):
    request_id("req-7")
    headers: dict = {}

    task_context.add_request_id_header(headers=headers)

    assert headers == {"request_id": "req-7"}


def test_publishing_outside_a_request_adds_nothing():
    headers: dict = {}

    task_context.add_request_id_header(headers=headers)

    assert headers == {}


def test_a_task_runs_under_the_published_id_and_restores_the_previous_one():
    task = SimpleNamespace(request=SimpleNamespace(request_id="req-9"))

    task_context.enter_task(task_id="t-1", task=task)
    inside = get_request_id()
    task_context.leave_task(task_id="t-1")

    assert inside == "req-9"
    assert get_request_id() == "-"


def test_a_task_published_outside_a_request_runs_under_its_task_id():
    task = SimpleNamespace(request=SimpleNamespace())

    task_context.enter_task(task_id="t-2", task=task)
    inside = get_request_id()
    task_context.leave_task(task_id="t-2")

    assert inside == "t-2"
    assert get_request_id() == "-"


def test_an_unsafe_header_is_ignored():
    task = SimpleNamespace(request=SimpleNamespace(request_id="bad id\n"))

    task_context.enter_task(task_id="t-3", task=task)
    inside = get_request_id()
    task_context.leave_task(task_id="t-3")

    assert inside == "t-3"


@shared_task
def record_request_id() -> str:
    return get_request_id()


def test_an_eager_task_keeps_the_callers_id(request_id):
    request_id("req-eager")

    result = record_request_id.delay()

    assert result.get() == "req-eager"
    assert get_request_id() == "req-eager"


def broker_url() -> str:
    url = django_settings.REDIS_URL
    return "redis+socket://" + url.removeprefix("unix://") if url.startswith("unix://") else url


def test_a_real_worker_runs_the_task_under_the_publishers_id(request_id):
    app = Celery("request-id-test", broker=broker_url(), set_as_current=False)
    app.conf.task_always_eager = False
    app.conf.broker_connection_retry_on_startup = False
    seen: list[str] = []

    @app.task(name="tests.record_request_id")
    def remember() -> None:
        seen.append(get_request_id())

    # Starting a worker makes its app the current one and marks the whole process as one where
    # joining a result would block; put both back so later tests' eager tasks still work.
    current_app = celery_state.get_current_app()
    join_will_block = celery_state.task_join_will_block()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            request_id("req-worker")
            remember.delay()
            _wait_for(lambda: seen)
    finally:
        current_app.set_current()
        celery_state._set_task_join_will_block(join_will_block)

    assert seen == ["req-worker"]


def _wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the worker did not run the task in time")
        time.sleep(0.02)
