"""The migrator's write operations: switch a mode, record and repair mismatches.

Mode changes are written to ``default`` and reach every process through ``apps.migrator.state``
within ``MIGRATOR_MODE_TTL`` seconds. A repair reads the migration's mode from the database (not
the process snapshot), so it always copies from the side that is authoritative now.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import F
from django.utils import timezone

from apps.migrator import mirror, state
from apps.migrator.events import MigratorFix
from apps.migrator.models import Migration, Mismatch, MismatchKind, Mode
from scholarnet.api.errors import ApplicationError
from scholarnet.events.payloads import publish_event


class MigratorError(ApplicationError):
    code = "migrator_error"


def migration_get(name: str) -> Migration:
    migration = Migration.objects.filter(name=name).first()
    if migration is None:
        raise MigratorError(f"no migration named {name!r}")
    return migration


def model_of(migration: Migration) -> type[models.Model]:
    return migration.model_class()


def migration_create(
    *, name: str, model_label: str, source: str = DEFAULT_DB_ALIAS, destination: str = "migrator"
) -> Migration:
    from django.conf import settings

    for alias in (source, destination):
        if alias not in settings.DATABASES:
            raise MigratorError(f"{alias!r} is not a DATABASES alias")
    if source == destination:
        raise MigratorError("the source and the destination are one alias")
    model = apps.get_model(model_label)
    if model._meta.app_label == "migrator":
        raise MigratorError("the migrator's own tables stay on default")
    migration = Migration.objects.create(
        name=name,
        model_label=model._meta.label,
        source_alias=source,
        destination_alias=destination,
        mode_changed_at=timezone.now(),
    )
    transaction.on_commit(state.invalidate)
    state.invalidate()
    return migration


def mode_set(*, name: str, mode: str) -> Migration:
    """Switch ``name`` to ``mode``; every process follows within ``MIGRATOR_MODE_TTL``."""
    if mode not in Mode.values:
        raise MigratorError(f"mode is one of {', '.join(Mode.values)}, not {mode!r}")
    with transaction.atomic():
        migration = Migration.objects.select_for_update().filter(name=name).first()
        if migration is None:
            raise MigratorError(f"no migration named {name!r}")
        migration.mode = mode
        migration.mode_changed_at = timezone.now()
        migration.save(update_fields=["mode", "mode_changed_at", "updated_at"])
        transaction.on_commit(state.invalidate)
    return migration


def mismatch_record(
    *,
    migration: Migration,
    row_pk: Any,
    kind: str,
    validation_id: int | None = None,
    error: str = "",
) -> Mismatch:
    """One mismatch row and its ``migrator.fix`` event, in one transaction on ``default``."""
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        mismatch = Mismatch.objects.create(
            migration=migration,
            validation_id=validation_id,
            row_pk=row_pk,
            kind=kind,
            error=error[:2000],
        )
        publish_event(
            MigratorFix(
                migration_id=migration.pk,
                migration=migration.name,
                model=migration.model_label.lower(),
                row_pk=row_pk,
                kind=kind,
                mismatch_id=mismatch.pk,
                occurred_at=mismatch.detected_at,
            )
        )
    return mismatch


def double_write_failed(*, migration_id: int, pks: list[Any], error: str) -> None:
    migration = Migration.objects.using(DEFAULT_DB_ALIAS).get(pk=migration_id)
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        Migration.objects.filter(pk=migration_id).update(
            double_write_failures=F("double_write_failures") + len(pks)
        )
        for pk in pks:
            mismatch_record(
                migration=migration, row_pk=json_pk(pk), kind=MismatchKind.WRITE_FAILED, error=error
            )


def json_pk(pk: Any) -> Any:
    """A primary key as JSON stores it (ints and strings as they are, anything else as text)."""
    return pk if isinstance(pk, int | str) else str(pk)


def row_repair(*, migration_id: int, row_pk: Any, mismatch_id: int | None = None) -> str:
    """Copy one row from the side authoritative now to the other: "upsert" or "delete".

    Idempotent: it copies state, so a second run, or a run after the row changed again, leaves
    both sides equal to the authoritative side at that moment.
    """
    migration = Migration.objects.using(DEFAULT_DB_ALIAS).filter(pk=migration_id).first()
    if migration is None:
        return "gone"  # the migration was deleted: nothing to keep equal
    model = model_of(migration)
    pk = model._meta.pk.to_python(row_pk)
    done = mirror.copy_rows(
        model, [pk], source=migration.authoritative_alias, target=migration.other_alias
    )
    outcome = done.get(pk, "equal")
    if mismatch_id is not None:
        Mismatch.objects.filter(pk=mismatch_id, repaired_at__isnull=True).update(
            repaired_at=timezone.now(), repair=outcome
        )
    return outcome
