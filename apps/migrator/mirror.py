"""The double-write layer: every captured write of a migrated model is copied to the other side.

In ``src_first`` and ``dst_first`` the router sends a migrated model's writes to the
authoritative alias; this module notes the primary keys each write touched and, once that
alias's transaction commits, copies those rows' *current state* from the authoritative alias to
the other one (an upsert, or a delete where the row is gone). Copying state instead of
replaying statements is what makes ``F()`` updates, ``Greatest(...)`` and a retried copy safe:
the other side ends equal to what the authoritative side holds at copy time.

What is captured:

- ``Model.save()`` / ``create()`` / ``get_or_create()`` / ``update_or_create()`` and every
  delete (instance or queryset, cascades from the migrated model included): ``post_save`` and
  ``post_delete`` receivers connected for the migrated model (``watch``). A delete receiver
  turns the model's fast deletes into collected ones (a SELECT before the DELETE).
- ``QuerySet.update()`` (``F()`` expressions included), ``bulk_create()`` and
  ``bulk_update()``: wrapped once for every queryset (``install``); for a model that is not
  migrated the wrapper is one dictionary lookup. ``update()`` reads the matching primary keys
  first, because the update may move rows out of its own filter.

Not captured (documented in docs/migrator.md): raw SQL (``cursor.execute``), cascades that
start on another model (Django's collector deletes them on the parent's alias), and a
``bulk_create(ignore_conflicts=True)`` of rows without explicit primary keys on backends that
do not return them. Validation finds what these miss, and the fix consumer repairs it.

A failure of the copy never reaches the request: it is recorded (a ``Mismatch`` of kind
``write_failed`` and a ``migrator.fix`` event, in one transaction on ``default``) and the
consumer repairs the row from the authoritative side later.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, models, router, transaction
from django.db.models.query import QuerySet
from django.db.models.signals import post_delete, post_save

from apps.migrator import state

logger = logging.getLogger(__name__)

_local = threading.local()
_watched: set[str] = set()
_installed = False


@contextmanager
def suppressed() -> Iterator[None]:
    """Writes inside are the migrator's own (copies, repairs, backfill): never mirror them."""
    previous = getattr(_local, "suppressed", False)
    _local.suppressed = True
    try:
        yield
    finally:
        _local.suppressed = previous


def _capturing(model: type[models.Model], alias: str | None) -> state.Active | None:
    if getattr(_local, "suppressed", False) or model._meta.app_label == "migrator":
        return None
    active = state.active_for(model)
    if active is None or not active.double_write:
        return None
    if (alias or router.db_for_write(model)) != active.authoritative:
        return None  # an explicit write to the other side is not the application's write
    return active


def captured(model: type[models.Model], pks: Iterable[Any], alias: str | None) -> None:
    active = _capturing(model, alias)
    if active is None:
        return
    keys = [pk for pk in pks if pk is not None]
    if keys:
        transaction.on_commit(
            lambda: _after_commit(active, model, keys), using=active.authoritative
        )


def _after_commit(active: state.Active, model: type[models.Model], pks: list[Any]) -> None:
    from django.db import connections

    if connections[active.other].in_atomic_block:
        # The other alias is inside a transaction of this thread (a dst_first write inside a
        # service's transaction on default): copy once that one commits too.
        transaction.on_commit(lambda: mirror_now(active, model, pks), using=active.other)
    else:
        mirror_now(active, model, pks)


def mirror_now(active: state.Active, model: type[models.Model], pks: list[Any]) -> None:
    """Copy ``pks`` from the authoritative alias to the other one; record a failure, never raise."""
    try:
        copy_rows(model, pks, source=active.authoritative, target=active.other)
    except Exception as error:  # the request must not fail for the other side
        logger.warning(
            "migrator %s: double write of %s %s to %s failed: %s",
            active.name,
            model._meta.label,
            pks,
            active.other,
            error,
        )
        record_failure(active.id, pks, error)


def record_failure(migration_id: int, pks: list[Any], error: BaseException) -> None:
    from apps.migrator import services

    try:
        services.double_write_failed(migration_id=migration_id, pks=pks, error=repr(error))
    except Exception:  # the last resort is the log; validation still finds it
        logger.exception("migrator: could not record the failed double write of %s", pks)


def row_values(obj: models.Model) -> dict[str, Any]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def copy_rows(
    model: type[models.Model], pks: Iterable[Any], *, source: str, target: str
) -> dict[Any, str]:
    """Make ``target`` hold what ``source`` holds now for each pk: ``{pk: "upsert"|"delete"}``."""
    keys = list(dict.fromkeys(pks))
    if not keys:
        return {}
    manager = model._base_manager
    present = {obj.pk: obj for obj in manager.using(source).filter(pk__in=keys)}
    done: dict[Any, str] = {}
    with suppressed(), transaction.atomic(using=target):
        gone = [pk for pk in keys if pk not in present]
        if gone:
            manager.using(target).filter(pk__in=gone).delete()
            done.update(dict.fromkeys(gone, "delete"))
        for pk, obj in present.items():
            upsert(obj, target=target)
            done[pk] = "upsert"
    return done


def upsert(obj: models.Model, *, target: str) -> None:
    """Write ``obj`` to ``target`` exactly as it is (``auto_now`` fields keep their values)."""
    model = type(obj)
    values = row_values(obj)
    pk_name = model._meta.pk.attname
    values.pop(pk_name)
    rows = model._base_manager.using(target).filter(pk=obj.pk)
    if rows.update(**values):
        return
    try:
        with transaction.atomic(using=target):
            # raw=True: the fields' pre_save (auto_now, auto_now_add) leaves the values alone.
            obj.save_base(raw=True, using=target, force_insert=True)
    except IntegrityError:
        if not rows.update(**values):  # inserted meanwhile: then it is ours to overwrite
            raise


def watch(model: type[models.Model]) -> None:
    """Connect the save and delete receivers of a migrated model (once per process)."""
    label = model._meta.label_lower
    if label in _watched:
        return
    _watched.add(label)
    post_save.connect(_on_save, sender=model, weak=False, dispatch_uid=f"migrator-save-{label}")
    post_delete.connect(
        _on_delete, sender=model, weak=False, dispatch_uid=f"migrator-delete-{label}"
    )


def _on_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    captured(sender, [instance.pk], kwargs.get("using"))


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    captured(sender, [instance.pk], kwargs.get("using"))


def _write_alias(queryset: QuerySet[Any]) -> str:
    return getattr(queryset, "_db", None) or router.db_for_write(queryset.model)


def install() -> None:
    """Wrap ``QuerySet.update``, ``bulk_create`` and ``bulk_update`` (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    original_update = QuerySet.update
    original_bulk_create = QuerySet.bulk_create
    original_bulk_update = QuerySet.bulk_update

    def update(self: QuerySet[Any], **kwargs: Any) -> int:
        alias = _write_alias(self)
        if _capturing(self.model, alias) is None:
            return original_update(self, **kwargs)
        pks = list(self.using(alias).values_list("pk", flat=True))
        rows = original_update(self, **kwargs)
        captured(self.model, pks, alias)
        return rows

    def bulk_create(self: QuerySet[Any], objs: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        created = original_bulk_create(self, objs, *args, **kwargs)
        if _capturing(self.model, _write_alias(self)) is not None:
            captured(self.model, [obj.pk for obj in created], _write_alias(self))
        return created

    def bulk_update(self: QuerySet[Any], objs: Iterable[Any], *args: Any, **kwargs: Any) -> Any:
        objs = list(objs)
        rows = original_bulk_update(self, objs, *args, **kwargs)
        if _capturing(self.model, _write_alias(self)) is not None:
            captured(self.model, [obj.pk for obj in objs], _write_alias(self))
        return rows

    QuerySet.update = update  # type: ignore[method-assign]
    QuerySet.bulk_create = bulk_create  # type: ignore[method-assign]
    QuerySet.bulk_update = bulk_update  # type: ignore[method-assign]
