"""Job metrics. Workers write them to ``PROMETHEUS_MULTIPROC_DIR`` like every other process.

The timestamps combine across processes by ``max``, which stays right when a later run lands in
another worker: "failing" is a last failure newer than the last success.
"""

from __future__ import annotations

from scholarnet.observability.metrics import counter, gauge, histogram

job_runs = counter(
    "job_runs_total",
    "Periodic job runs by outcome (succeeded, failed, skipped: another runner held the lock, "
    "lock_unavailable: Redis could not be asked).",
    ["job", "outcome"],
)
job_duration = histogram(
    "job_duration_seconds",
    "Duration of the periodic job runs that ran.",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
job_last_success = gauge(
    "job_last_success_timestamp_seconds",
    "Unix time of the job's last successful run.",
    ["job"],
    multiprocess_mode="max",
)
job_last_failure = gauge(
    "job_last_failure_timestamp_seconds",
    "Unix time of the job's last failed run.",
    ["job"],
    multiprocess_mode="max",
)
