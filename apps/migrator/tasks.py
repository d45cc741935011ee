"""Celery tasks: thin wrappers that take ids and call one service each (the admin's buttons)."""

from __future__ import annotations

from celery import shared_task

from apps.migrator import backfill, validation
from apps.migrator.models import DOUBLE_WRITE_MODES, Migration, Validation
from scholarnet.jobs.runs import periodic_job


@shared_task(ignore_result=True)
def migrator_validate(validation_id: int) -> None:
    validation.validation_run(Validation.objects.select_related("migration").get(pk=validation_id))


@shared_task(ignore_result=True)
def migrator_backfill(migration_id: int) -> None:
    backfill.backfill_run(Migration.objects.get(pk=migration_id))


@shared_task(ignore_result=True)
@periodic_job(ttl_seconds=600)
def migrator_validate_incremental() -> None:
    """Beat: an incremental pass (resumed, or from the last one's end) of every double write."""
    for migration in Migration.objects.filter(mode__in=DOUBLE_WRITE_MODES).order_by("pk"):
        if not validation.has_updated_at(migration.model_class()):
            continue
        run = validation.validation_start(migration=migration, full=False)
        validation.validation_run(run)
