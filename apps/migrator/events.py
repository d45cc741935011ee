"""Events the migrator publishes: ``migrator.fix``, one per row found (or made) unequal.

Published through the outbox by validation (a mismatch) and by the double-write layer (a copy
that failed), consumed by the ``migrator`` group (``apps/migrator/consumers.py``), which copies
the row from the side that is authoritative *at repair time*. The payload names the row, not its
values, so a late or duplicate event repairs to the current state and never to an old one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from scholarnet.events.payloads import EventPayload


@dataclass(frozen=True, kw_only=True)
class MigratorFix(EventPayload):
    TYPE: ClassVar[str] = "migrator.fix"
    migration_id: int
    migration: str  # the migration's name, for people reading the topic
    model: str  # "app_label.modelname"
    row_pk: Any  # the primary key as JSON (an int or a string)
    kind: str  # one of apps.migrator.models.MismatchKind
    mismatch_id: int
    occurred_at: datetime

    def key(self) -> str:
        # One row's fixes reach the consumer in order.
        return f"migrator:{self.migration_id}:{self.row_pk}"
