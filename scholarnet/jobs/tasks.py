"""Periodic tasks of the kernel: the events pipeline's beat work, and the pruning of job runs.

``scholarnet.events.tasks.relay_outbox`` is also queued after each commit (the nudge), which
needs no lock (the relay's claims keep concurrent relays apart); beat runs it through the
recorded wrapper here, like every other periodic task.
"""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from scholarnet.events.tasks import prune_events, relay_outbox
from scholarnet.jobs.models import JobRun
from scholarnet.jobs.runs import periodic_job

PRUNE_CHUNK = 5_000


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=60)
def events_relay_outbox() -> int:
    return relay_outbox()


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=600)
def events_prune() -> dict[str, int]:
    return prune_events()


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=600)
def job_runs_prune() -> int:
    """Delete run records older than ``JOBS_RUN_RETENTION_DAYS``, in short chunks."""
    old = JobRun.objects.filter(
        started_at__lt=timezone.now() - timedelta(days=settings.JOBS_RUN_RETENTION_DAYS)
    )
    deleted = 0
    while ids := list(old.values_list("id", flat=True)[:PRUNE_CHUNK]):
        deleted += JobRun.objects.filter(id__in=ids).delete()[0]
    return deleted
