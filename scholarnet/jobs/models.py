"""What the scheduled jobs did: one :class:`JobRun` per run, one :class:`Job` per task.

Written only by :func:`scholarnet.jobs.runs.periodic_job`; the admin shows them read-only.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class JobOutcome(models.TextChoices):
    RUNNING = "running", "running"
    SUCCEEDED = "succeeded", "succeeded"
    FAILED = "failed", "failed"


class JobRun(models.Model):
    job = models.CharField(max_length=200)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=JobOutcome.choices, default=JobOutcome.RUNNING
    )
    error = models.TextField(blank=True, default="")
    # host:pid of the worker that ran it.
    runner = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["job", "-started_at"], name="jobs_run_job_started_idx"),
            # The pruning of old runs.
            models.Index(fields=["started_at"], name="jobs_run_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class Job(models.Model):
    """The state of one periodic task across its runs: what the operator looks at first."""

    name = models.CharField(max_length=200, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=16, choices=JobOutcome.choices, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # Failed runs since the last success; a job that keeps failing has a growing number here.
    consecutive_failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class SeededSchedule(models.Model):
    """A default schedule already seeded once: an operator who deletes it keeps it deleted."""

    name = models.CharField(max_length=200, unique=True)
    seeded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
