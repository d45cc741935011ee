"""``@periodic_job``: the one wrapper every periodic task runs under.

::

    @shared_task(ignore_result=True)
    @periodic_job(ttl_seconds=600)
    def notifications_digest_send() -> int:
        return digest.digests_send_due()

Each call

1. takes the kernel's single-runner lock (:class:`scholarnet.locks.RedisLock`, auto-refreshed);
   when another process holds it, or Redis cannot be asked, the call returns ``None`` and only
   a metric records the skip (a run every few seconds would otherwise fill the table with
   nothing);
2. records a :class:`JobRun` (start, duration, outcome, error) and updates the job's
   :class:`Job` row (last outcome, failures in a row), both in autocommit outside the body's
   transactions, so a failed body still leaves its record;
3. counts the outcome and the duration in ``scholarnet_job_*`` metrics;
4. re-raises the body's exception, so Celery logs the failure as before.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import redis
from django.db.models import F
from django.utils import timezone

from scholarnet.jobs.metrics import job_duration, job_last_failure, job_last_success, job_runs
from scholarnet.jobs.models import Job, JobOutcome, JobRun
from scholarnet.locks import RedisLock

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

MAX_ERROR_CHARS = 10_000


def periodic_job(
    name: str | None = None, *, lock: str | None = None, ttl_seconds: float = 60
) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """Run the function alone (lock ``lock``, default the job's name) and record the run.

    ``name`` defaults to ``module.function``, which is the Celery task's name.
    """

    def decorate(func: Callable[P, R]) -> Callable[P, R | None]:
        job = name or f"{func.__module__}.{func.__name__}"
        lock_name = lock or job

        @functools.wraps(func)
        def run_recorded(*args: P.args, **kwargs: P.kwargs) -> R | None:
            held = _acquire(job, RedisLock(lock_name, ttl_seconds=ttl_seconds))
            if held is None:
                return None
            try:
                return _run(job, func, *args, **kwargs)
            finally:
                _release(held)

        run_recorded.job_name = job  # type: ignore[attr-defined]
        return run_recorded

    return decorate


def _acquire(job: str, lock: RedisLock) -> RedisLock | None:
    try:
        acquired = lock.acquire()
    except (redis.RedisError, OSError) as error:
        # Without Redis nobody can prove they run alone; the next schedule will retry.
        logger.warning("skipping job %s: lock unavailable (%r)", job, error)
        job_runs.labels(job, "lock_unavailable").inc()
        return None
    if not acquired:
        logger.info("skipping job %s: already running elsewhere", job)
        job_runs.labels(job, "skipped").inc()
        return None
    return lock


def _run(job: str, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    run = job_run_start(job=job)
    started = time.monotonic()
    try:
        result = func(*args, **kwargs)
    except Exception as error:
        job_run_finish(run=run, seconds=time.monotonic() - started, error=error)
        raise
    job_run_finish(run=run, seconds=time.monotonic() - started, error=None)
    return result


def job_run_start(*, job: str) -> JobRun:
    now = timezone.now()
    runner = f"{socket.gethostname()}:{os.getpid()}"
    run = JobRun.objects.create(job=job, started_at=now, runner=runner)
    Job.objects.get_or_create(name=job)
    Job.objects.filter(name=job).update(last_started_at=now, last_outcome=JobOutcome.RUNNING)
    return run


def job_run_finish(*, run: JobRun, seconds: float, error: BaseException | None) -> None:
    """Close the run's record and the job's state; a failure to record is logged, not raised."""
    run.finished_at = timezone.now()
    run.duration_ms = int(seconds * 1000)
    run.outcome = JobOutcome.SUCCEEDED if error is None else JobOutcome.FAILED
    run.error = "" if error is None else _error_text(error)
    try:
        run.save(update_fields=["finished_at", "duration_ms", "outcome", "error"])
        _job_state_update(run)
    except Exception:
        # The body's own outcome matters more than its record (the database may be what failed).
        logger.exception("could not record the run of job %s", run.job)
    job_runs.labels(run.job, run.outcome).inc()
    job_duration.labels(run.job).observe(seconds)
    (job_last_success if error is None else job_last_failure).labels(run.job).set(time.time())


def _job_state_update(run: JobRun) -> None:
    jobs = Job.objects.filter(name=run.job)
    if run.outcome == JobOutcome.SUCCEEDED:
        jobs.update(
            last_outcome=run.outcome,
            last_success_at=run.finished_at,
            consecutive_failures=0,
            last_error="",
        )
    else:
        jobs.update(
            last_outcome=run.outcome,
            last_error=run.error,
            consecutive_failures=F("consecutive_failures") + 1,
        )


def _error_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error))[-MAX_ERROR_CHARS:]


def _release(lock: RedisLock) -> None:
    try:
        still_ours = lock.release()
    except (redis.RedisError, OSError) as error:
        logger.warning("could not release lock %s (%r); it expires on its own", lock.name, error)
        return
    if not still_ours:
        logger.error(
            "lock %s was lost while its job ran; another runner may have overlapped", lock.name
        )
