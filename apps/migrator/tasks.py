"""Celery tasks: thin wrappers that take ids and call one service each (the admin's buttons)."""

from __future__ import annotations

from celery import shared_task

from apps.migrator import backfill, validation
from apps.migrator.models import Migration, Validation


@shared_task(ignore_result=True)
def migrator_validate(validation_id: int) -> None:
    validation.validation_run(Validation.objects.select_related("migration").get(pk=validation_id))


@shared_task(ignore_result=True)
def migrator_backfill(migration_id: int) -> None:
    backfill.backfill_run(Migration.objects.get(pk=migration_id))
