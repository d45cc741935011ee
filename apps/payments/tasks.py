"""Celery tasks: thin wrappers that call one service each."""

from __future__ import annotations

from celery import shared_task

from apps.payments import services
from scholarnet.jobs.runs import periodic_job


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=600)
def payments_reconcile() -> None:
    services.payments_reconcile()


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=600)
def payments_notifications_prune() -> None:
    services.payment_notifications_prune()
