"""Celery beat: the hot list every ``RANKING_CACHE_TTL`` seconds (3 min), computed by one worker."""

from __future__ import annotations

from celery import shared_task

from apps.ranking.services import ranking_compute_alone


@shared_task(ignore_result=True)
def ranking_compute() -> int | None:
    """The number of articles kept, or ``None`` when another worker was computing."""
    hot = ranking_compute_alone()
    return None if hot is None else len(hot.entries)
