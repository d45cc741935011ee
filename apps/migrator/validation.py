"""Validation: compare both sides of a migration, batch by batch, and publish every mismatch.

Full pass: both sides are read in primary-key order from the stored position, ``batch`` rows at a
time (``pk > position ORDER BY pk LIMIT batch``: a keyset, never an OFFSET, so every batch costs
the same however far the pass is). The compared range ends at the smaller of the two batches'
last keys, so a row missing on either side is seen as missing, not as past the batch.

Incremental pass (models with ``updated_at``): each side's rows changed since ``since`` are read
in ``(updated_at, pk)`` order and compared with the other side's row of the same key, which finds
rows missing on the other side and rows that differ; a delete is found when the other side still
holds a row the deleting side changed since ``since``. A delete of a row unchanged since then is
the full pass's to find.

A mismatch is checked once more before it is recorded (the write's copy may have been in
flight), then recorded with its ``migrator.fix`` event. Progress (position, rows checked,
mismatches) is saved after every batch; a stop request is read between batches, and a stopped or
interrupted validation resumes from its position.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone

from apps.migrator import services
from apps.migrator.models import (
    Migration,
    MismatchKind,
    Validation,
    ValidationKind,
    ValidationStatus,
)

Progress = Callable[[Validation], None]


def has_updated_at(model: type[models.Model]) -> bool:
    try:
        field = model._meta.get_field("updated_at")
    except FieldDoesNotExist:
        return False
    return isinstance(field, models.DateTimeField)


def validation_start(
    *, migration: Migration, full: bool = True, since: datetime | None = None, resume: bool = True
) -> Validation:
    """The validation to run: the unfinished one of that kind (resume), or a new one."""
    kind = ValidationKind.FULL if full else ValidationKind.INCREMENTAL
    model = services.model_of(migration)
    if kind == ValidationKind.INCREMENTAL and not has_updated_at(model):
        raise services.MigratorError(f"{migration.model_label} has no updated_at: use --full")
    if resume:
        unfinished = (
            migration.validations.filter(
                kind=kind, status__in=[ValidationStatus.RUNNING, ValidationStatus.STOPPED]
            )
            .order_by("-id")
            .first()
        )
        if unfinished is not None and (since is None or unfinished.since == since):
            unfinished.status = ValidationStatus.RUNNING
            unfinished.stop_requested = False
            unfinished.save(update_fields=["status", "stop_requested", "updated_at"])
            return unfinished
    if kind == ValidationKind.INCREMENTAL and since is None:
        since = migration.validated_until or timezone.now() - timedelta(hours=1)
    total = model._base_manager.using(migration.authoritative_alias)
    if kind == ValidationKind.INCREMENTAL:
        total = total.filter(updated_at__gte=since)
    return Validation.objects.create(
        migration=migration, kind=kind, since=since, rows_total=total.count()
    )


def validation_stop(*, validation_id: int) -> None:
    Validation.objects.filter(pk=validation_id, status=ValidationStatus.RUNNING).update(
        stop_requested=True
    )


def validation_run(
    validation: Validation, *, batch: int | None = None, progress: Progress | None = None
) -> Validation:
    """Run (or resume) ``validation`` until it finishes or is asked to stop."""
    batch = batch or settings.MIGRATOR_BATCH_SIZE
    migration = validation.migration
    model = services.model_of(migration)
    step = _full_step if validation.kind == ValidationKind.FULL else _incremental_step
    high_water = timezone.now()
    try:
        while True:
            validation.refresh_from_db(fields=["stop_requested"])
            if validation.stop_requested:
                validation.status = ValidationStatus.STOPPED
                validation.save(update_fields=["status", "updated_at"])
                return validation
            migration.refresh_from_db(fields=["mode"])  # follow a mode switch mid-pass
            finished = step(validation, migration, model, batch)
            if finished:
                validation.status = ValidationStatus.FINISHED
                validation.finished_at = timezone.now()
            validation.save()
            if progress is not None:
                progress(validation)
            if finished:
                break
    except Exception as error:
        validation.status = ValidationStatus.FAILED
        validation.error = repr(error)[:2000]
        validation.save(update_fields=["status", "error", "updated_at"])
        raise
    if validation.kind == ValidationKind.INCREMENTAL:
        Migration.objects.filter(pk=migration.pk).update(validated_until=high_water)
    return validation


def _values(model: type[models.Model], rows: list[models.Model]) -> dict[Any, dict[str, Any]]:
    return {row.pk: _comparable(row) for row in rows}


def _comparable(row: models.Model) -> dict[str, Any]:
    values = {}
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(value, datetime):
            value = value.astimezone(UTC) if timezone.is_aware(value) else value
        values[field.attname] = value
    return values


def _compare(
    validation: Validation,
    migration: Migration,
    model: type[models.Model],
    source: dict[Any, dict[str, Any]],
    destination: dict[Any, dict[str, Any]],
) -> None:
    suspects = {
        pk: kind
        for pk in source.keys() | destination.keys()
        if (kind := _difference(source.get(pk), destination.get(pk))) is not None
    }
    validation.rows_checked += len(source.keys() | destination.keys())
    if not suspects:
        return
    # A second look: a write whose copy was in flight a moment ago is not a mismatch.
    again_source = _values(model, _fetch(model, migration.source_alias, list(suspects)))
    again_destination = _values(model, _fetch(model, migration.destination_alias, list(suspects)))
    for pk in sorted(suspects, key=str):
        kind = _difference(again_source.get(pk), again_destination.get(pk))
        if kind is None:
            continue
        validation.mismatches += 1
        services.mismatch_record(
            migration=migration,
            row_pk=services.json_pk(pk),
            kind=kind,
            validation_id=validation.pk,
        )


def _difference(source: dict[str, Any] | None, destination: dict[str, Any] | None) -> str | None:
    if source is None and destination is None:
        return None
    if source is None:
        return MismatchKind.MISSING_ON_SOURCE
    if destination is None:
        return MismatchKind.MISSING_ON_DESTINATION
    return MismatchKind.DIFFERS if source != destination else None


def _fetch(model: type[models.Model], alias: str, pks: list[Any]) -> list[models.Model]:
    return list(model._base_manager.using(alias).filter(pk__in=pks))


def _full_step(
    validation: Validation, migration: Migration, model: type[models.Model], batch: int
) -> bool:
    after = (validation.position or {}).get("pk")
    pk_field = model._meta.pk
    after = pk_field.to_python(after) if after is not None else None

    def page(alias: str) -> list[models.Model]:
        rows = model._base_manager.using(alias).order_by("pk")
        if after is not None:
            rows = rows.filter(pk__gt=after)
        return list(rows[:batch])

    source, destination = page(migration.source_alias), page(migration.destination_alias)
    bounds = [rows[-1].pk for rows in (source, destination) if len(rows) == batch]
    upper = min(bounds) if bounds else None
    if upper is not None:
        source = [row for row in source if row.pk <= upper]
        destination = [row for row in destination if row.pk <= upper]
    _compare(validation, migration, model, _values(model, source), _values(model, destination))
    last = upper if upper is not None else max([row.pk for row in source + destination] or [after])
    validation.position = {"pk": services.json_pk(last)}
    return upper is None


def _incremental_step(
    validation: Validation, migration: Migration, model: type[models.Model], batch: int
) -> bool:
    position = validation.position or {"side": 0, "at": None, "pk": None}
    sides = [migration.source_alias, migration.destination_alias]
    if position["side"] >= len(sides):
        return True
    alias, other = sides[position["side"]], sides[1 - position["side"]]
    rows = model._base_manager.using(alias).filter(updated_at__gte=validation.since)
    if position["at"] is not None:
        at = datetime.fromisoformat(position["at"])
        pk = model._meta.pk.to_python(position["pk"])
        rows = rows.filter(Q(updated_at__gt=at) | Q(updated_at=at, pk__gt=pk))
    page = list(rows.order_by("updated_at", "pk")[:batch])
    theirs = _values(model, _fetch(model, other, [row.pk for row in page]))
    mine = _values(model, page)
    if alias == migration.source_alias:
        _compare(validation, migration, model, mine, theirs)
    else:
        _compare(validation, migration, model, theirs, mine)
    if len(page) < batch:
        validation.position = {"side": position["side"] + 1, "at": None, "pk": None}
        return position["side"] + 1 >= len(sides)
    last = page[-1]
    validation.position = {
        "side": position["side"],
        "at": getattr(last, "updated_at").isoformat(),  # noqa: B009 - any model
        "pk": services.json_pk(last.pk),
    }
    return False
