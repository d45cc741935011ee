"""Celery beat: the hot list every ``RANKING_CACHE_TTL`` seconds (3 min), computed by one worker."""

from __future__ import annotations

from celery import shared_task

from apps.ranking import services
from scholarnet.jobs.runs import periodic_job


@shared_task(ignore_result=True)
@periodic_job(lock=services.LOCK_NAME, ttl_seconds=60)
def ranking_compute() -> int:
    """The number of articles kept, or ``None`` when another worker was computing.

    The lock is the one ``ranking_compute_alone`` takes (``rank_compute``, the admin's action),
    so beat and an operator never compute at once.
    """
    return len(services.ranking_compute().entries)
