"""Backfill: copy the rows the destination does not have yet, in primary-key batches.

Each batch reads ``pk > position ORDER BY pk LIMIT batch`` from the source and upserts it into
the destination (``mirror.copy_rows``: each row as the source holds it at copy time), then
stores the position and the count on the migration, so a stopped backfill resumes where it was.
Run it in ``src_first``, after every process writes both sides: rows written during the backfill
are then copied by the double-write layer, and a row the backfill copied just before a newer
write is corrected by that write's copy or, at worst, by validation.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from apps.migrator import mirror, services
from apps.migrator.models import Migration


def backfill_run(
    migration: Migration,
    *,
    batch: int | None = None,
    restart: bool = False,
    progress: Callable[[int], None] | None = None,
    max_batches: int | None = None,
) -> int:
    """Copy source → destination from the stored position; returns the rows copied this run."""
    batch = batch or settings.MIGRATOR_BATCH_SIZE
    model = services.model_of(migration)
    if restart:
        Migration.objects.filter(pk=migration.pk).update(
            backfill_position=None, backfill_copied=0, backfill_finished_at=None
        )
        migration.refresh_from_db()
    position = migration.backfill_position
    after = model._meta.pk.to_python(position) if position is not None else None
    copied = batches = 0
    while max_batches is None or batches < max_batches:
        rows = model._base_manager.using(migration.source_alias).order_by("pk")
        if after is not None:
            rows = rows.filter(pk__gt=after)
        pks = list(rows.values_list("pk", flat=True)[:batch])
        if pks:
            mirror.copy_rows(
                model, pks, source=migration.source_alias, target=migration.destination_alias
            )
            after = pks[-1]
            copied += len(pks)
        done = len(pks) < batch
        Migration.objects.filter(pk=migration.pk).update(
            backfill_position=services.json_pk(after) if after is not None else None,
            backfill_copied=F("backfill_copied") + len(pks),
            backfill_finished_at=timezone.now() if done else None,
        )
        batches += 1
        if progress is not None:
            progress(len(pks))
        if done:
            break
    migration.refresh_from_db()
    return copied
