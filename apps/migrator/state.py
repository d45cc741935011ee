"""Which models are being migrated, and in which mode: the process-local view of the table.

Every process (web, worker, consumer) holds a snapshot of all ``Migration`` rows for
``MIGRATOR_MODE_TTL`` seconds, then reads the table again (one query on ``default``), so a mode
switched from the admin or ``manage.py migrator mode`` reaches every process within that TTL,
without a restart. A save in this process refreshes at once (``invalidate``).

A failing refresh (the table does not exist yet while ``migrate`` runs, the database is away)
keeps the previous snapshot: routing must never be what fails a request.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models

from apps.migrator.models import DOUBLE_WRITE_MODES, authoritative

logger = logging.getLogger(__name__)

clock = time.monotonic  # tests move it instead of sleeping


@dataclass(frozen=True, slots=True)
class Active:
    """One migration as the router and the double-write layer see it."""

    id: int
    name: str
    model_label: str  # lower-cased "app_label.modelname"
    source: str
    destination: str
    mode: str

    @property
    def authoritative(self) -> str:
        return authoritative(self.mode, self.source, self.destination)

    @property
    def other(self) -> str:
        return self.destination if self.authoritative == self.source else self.source

    @property
    def double_write(self) -> bool:
        return self.mode in DOUBLE_WRITE_MODES


def _ttl() -> float:
    return float(getattr(settings, "MIGRATOR_MODE_TTL", 2.0))


class _Snapshot:
    def __init__(self) -> None:
        self.by_label: dict[str, Active] = {}
        # MIGRATOR_START_EMPTY (the test settings) starts with a fresh empty snapshot, so no
        # test but the migrator's own sees a query of this module; every process else reads
        # the table on its first lookup.
        start_empty = getattr(settings, "MIGRATOR_START_EMPTY", False)
        self.expires_at = clock() + _ttl() if start_empty else float("-inf")
        self.lock = threading.Lock()
        self.loading = threading.local()


_snapshot = _Snapshot()


def active_for(model: type[models.Model]) -> Active | None:
    """The migration of ``model``, or None; refreshed when the snapshot is older than the TTL."""
    if clock() >= _snapshot.expires_at:
        _refresh()
    if not _snapshot.by_label:
        return None
    return _snapshot.by_label.get(model._meta.label_lower)


def all_active() -> list[Active]:
    if clock() >= _snapshot.expires_at:
        _refresh()
    return list(_snapshot.by_label.values())


def invalidate() -> None:
    """Read the table again on the next lookup (a change made in this process)."""
    _snapshot.expires_at = float("-inf")


def reset(by_label: dict[str, Active] | None = None) -> None:
    """Set the snapshot without a query (tests: a clean slate that stays valid for the TTL)."""
    _set(by_label or {})


def _refresh() -> None:
    if getattr(_snapshot.loading, "active", False):
        return  # the refresh's own query asks the router: it is not migrated
    _snapshot.loading.active = True
    try:
        from apps.migrator.models import Migration

        rows = list(
            Migration.objects.using(DEFAULT_DB_ALIAS).values_list(
                "id", "name", "model_label", "source_alias", "destination_alias", "mode"
            )
        )
    except Exception:  # keep the last snapshot; retry after the TTL
        if _table_exists():
            logger.warning("migrator: could not read the migrations; keeping the last snapshot")
        else:  # a database not migrated yet (the first start, migrate itself): nothing to route
            logger.debug("migrator: no migrations table yet")
        _snapshot.expires_at = clock() + _ttl()
        return
    finally:
        _snapshot.loading.active = False
    by_label = {}
    for id_, name, label, source, destination, mode in rows:
        lowered = label.lower()
        by_label[lowered] = Active(id_, name, lowered, source, destination, mode)
    _set(by_label)


def _table_exists() -> bool:
    from apps.migrator.models import Migration

    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            tables = connections[DEFAULT_DB_ALIAS].introspection.table_names(cursor)
    except Exception:  # the database itself is unreachable: that is worth the warning
        return True
    return Migration._meta.db_table in tables


def _set(by_label: dict[str, Active]) -> None:
    from apps.migrator import mirror

    with _snapshot.lock:
        _snapshot.by_label = by_label
        _snapshot.expires_at = clock() + _ttl()
    for active in by_label.values():
        try:
            mirror.watch(apps.get_model(active.model_label))
        except LookupError:
            logger.warning("migrator: %s names no installed model", active.model_label)
