"""@periodic_job: the single-runner lock, the run record, the job's state and the metrics."""

from __future__ import annotations

import threading

import pytest
import redis
from prometheus_client import REGISTRY

from scholarnet.jobs.models import Job, JobOutcome, JobRun
from scholarnet.jobs.runs import periodic_job
from scholarnet.locks import RedisLock
from tests.support.concurrency import run_together

pytestmark = pytest.mark.django_db(transaction=True)


def runs_metric(job: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value("scholarnet_job_runs_total", {"job": job, "outcome": outcome})
    return value or 0.0


def test_a_successful_run_is_recorded_with_its_duration_and_resets_the_failures():
    @periodic_job("tests.succeeds")
    def succeeds() -> int:
        return 7

    Job.objects.create(name="tests.succeeds", consecutive_failures=2, last_error="boom")
    before = runs_metric("tests.succeeds", "succeeded")

    assert succeeds() == 7

    run = JobRun.objects.get(job="tests.succeeds")
    assert run.outcome == JobOutcome.SUCCEEDED
    assert run.error == ""
    assert run.finished_at is not None
    assert run.finished_at >= run.started_at
    assert run.duration_ms is not None
    assert run.duration_ms >= 0
    job = Job.objects.get(name="tests.succeeds")
    assert (job.last_outcome, job.consecutive_failures, job.last_error) == ("succeeded", 0, "")
    assert job.last_success_at == run.finished_at
    assert runs_metric("tests.succeeds", "succeeded") == before + 1
    assert REGISTRY.get_sample_value(
        "scholarnet_job_last_success_timestamp_seconds", {"job": "tests.succeeds"}
    ) == pytest.approx(run.finished_at.timestamp(), abs=5)


def test_a_failing_job_raises_records_the_error_and_counts_failures_in_a_row():
    calls = []

    @periodic_job("tests.fails")
    def fails() -> None:
        calls.append(1)
        raise RuntimeError("provider down")

    before = runs_metric("tests.fails", "failed")
    for _ in range(3):
        with pytest.raises(RuntimeError, match="provider down"):
            fails()

    runs = list(JobRun.objects.filter(job="tests.fails"))
    assert [run.outcome for run in runs] == ["failed"] * 3
    assert "RuntimeError: provider down" in runs[0].error
    job = Job.objects.get(name="tests.fails")
    assert (job.last_outcome, job.consecutive_failures) == ("failed", 3)
    assert "provider down" in job.last_error
    assert job.last_success_at is None
    assert runs_metric("tests.fails", "failed") == before + 3
    assert len(calls) == 3


def test_the_lock_is_released_after_a_failure():
    @periodic_job("tests.release")
    def fails() -> None:
        raise ValueError("x")

    with pytest.raises(ValueError):
        fails()
    lock = RedisLock("tests.release", ttl_seconds=5)
    assert lock.acquire()
    lock.release()


def test_a_job_held_elsewhere_is_skipped_without_a_record():
    ran = []

    @periodic_job("tests.held", lock="tests.held-lock")
    def held() -> None:
        ran.append(1)

    other = RedisLock("tests.held-lock", ttl_seconds=30)
    assert other.acquire()
    before = runs_metric("tests.held", "skipped")
    try:
        assert held() is None
    finally:
        other.release()

    assert ran == []
    assert not JobRun.objects.filter(job="tests.held").exists()
    assert not Job.objects.filter(name="tests.held").exists()
    assert runs_metric("tests.held", "skipped") == before + 1


def test_without_redis_the_job_is_skipped_and_counted(monkeypatch):
    def unreachable(self, **kwargs):
        raise redis.ConnectionError("refused")

    monkeypatch.setattr(RedisLock, "acquire", unreachable)
    ran = []

    @periodic_job("tests.offline")
    def offline() -> None:
        ran.append(1)

    before = runs_metric("tests.offline", "lock_unavailable")
    assert offline() is None
    assert ran == []
    assert not JobRun.objects.exists()
    assert runs_metric("tests.offline", "lock_unavailable") == before + 1


def test_the_job_is_named_after_the_task():
    @periodic_job()
    def some_job() -> None:
        pass

    some_job()
    assert JobRun.objects.get().job == f"{__name__}.some_job"


@pytest.mark.real_db
def test_simultaneous_runs_on_the_real_database_run_the_body_once():
    skipped = threading.Semaphore(0)
    bodies = []

    @periodic_job("tests.race", ttl_seconds=10)
    def race() -> str:
        bodies.append(1)
        # Hold the lock until every other thread has tried and been skipped.
        for _ in range(5):
            assert skipped.acquire(timeout=10)
        return "ran"

    def work(i: int) -> str | None:
        result = race()
        if result is None:
            skipped.release()
        return result

    results = run_together(6, work)

    assert sorted(results, key=str) == [None] * 5 + ["ran"]
    assert len(bodies) == 1
    run = JobRun.objects.get(job="tests.race")
    assert run.outcome == JobOutcome.SUCCEEDED
    assert Job.objects.get(name="tests.race").consecutive_failures == 0
