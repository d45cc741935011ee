"""Every periodic task runs through @periodic_job; the kernel's own periodic tasks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from scholarnet.jobs import tasks
from scholarnet.jobs.models import JobOutcome, JobRun

pytestmark = pytest.mark.django_db


NOT_RECORDED_YET: dict[str, str] = {}  # a default whose task is not wrapped yet, with why


def recorded_job_name(task_name: str) -> str | None:
    celery_app.loader.import_default_modules()
    return getattr(celery_app.tasks[task_name].run, "job_name", None)


@pytest.mark.parametrize("name", sorted(set(settings.CELERY_BEAT_SCHEDULE) - set(NOT_RECORDED_YET)))
def test_every_default_schedule_names_a_task_that_runs_as_a_recorded_job(name):
    celery_app.loader.import_default_modules()
    task = celery_app.tasks[settings.CELERY_BEAT_SCHEDULE[name]["task"]]
    # Set by periodic_job on the function it wraps (the task's body).
    assert getattr(task.run, "job_name", None) == task.name, (
        f"{task.name} must be decorated with scholarnet.jobs.runs.periodic_job"
    )


@pytest.mark.parametrize("name", sorted(NOT_RECORDED_YET))
def test_the_defaults_not_recorded_yet_are_exactly_those_listed(name):
    task_name = NOT_RECORDED_YET[name]
    assert settings.CELERY_BEAT_SCHEDULE[name]["task"] == task_name
    assert recorded_job_name(task_name) is None, f"{name} is converted: drop it from the table"


def test_the_beat_relay_run_is_recorded():
    assert tasks.events_relay_outbox.delay().get() == 0

    run = JobRun.objects.get()
    assert (run.job, run.outcome) == ("scholarnet.jobs.tasks.events_relay_outbox", "succeeded")


def test_old_runs_are_pruned_and_recent_ones_kept():
    now = timezone.now()
    old = JobRun.objects.create(
        job="x", started_at=now - timedelta(days=settings.JOBS_RUN_RETENTION_DAYS, minutes=1)
    )
    recent = JobRun.objects.create(job="x", started_at=now - timedelta(days=1))

    assert tasks.job_runs_prune() == 1

    remaining = set(JobRun.objects.values_list("id", flat=True))
    assert old.id not in remaining
    assert recent.id in remaining
    # The prune's own run, recorded as it ran.
    assert JobRun.objects.get(job="scholarnet.jobs.tasks.job_runs_prune").outcome == (
        JobOutcome.SUCCEEDED
    )
