"""The ``migrator`` consumer group: ``migrator.fix`` repairs one row from the authoritative side.

The handler copies the row's current state (or its absence) from the side authoritative at
repair time, so it is idempotent without a record of its own: a redelivered fix copies again,
and a fix that arrives after the row changed once more copies the newer state.
"""

from __future__ import annotations

from apps.migrator import services
from apps.migrator.events import MigratorFix
from scholarnet.events import Event, consumer

GROUP = "migrator"


@consumer(group=GROUP, topics=[MigratorFix.TYPE])
def on_fix(event: Event) -> None:
    fix = MigratorFix.from_event(event)
    services.row_repair(
        migration_id=fix.migration_id, row_pk=fix.row_pk, mismatch_id=fix.mismatch_id
    )
