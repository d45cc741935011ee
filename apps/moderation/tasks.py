"""Celery tasks: thin wrappers that call one service each, run through the periodic-job kernel."""

from __future__ import annotations

from celery import shared_task

from apps.moderation import services, trust
from scholarnet.jobs.runs import periodic_job


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=1800)
def moderation_trust_levels_compute() -> int:
    return trust.trust_levels_compute()


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=300)
def moderation_suspensions_end() -> int:
    return services.suspensions_end_due()
