"""Celery tasks: thin wrappers that take ids and call one service each."""

from __future__ import annotations

from celery import shared_task

from apps.sms import services
from scholarnet.jobs.runs import periodic_job


@shared_task(ignore_result=True)
def sms_deliver(message_id: int) -> None:
    services.sms_message_deliver(message_id=message_id)


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=60)
def sms_requeue_due() -> None:
    services.sms_due_requeue()


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=600)
def sms_prune() -> None:
    services.sms_messages_prune()
