from __future__ import annotations

import pytest
from django.db import connections

from apps.migrator import services, state
from apps.migrator.models import Migration
from scholarnet.events.envelope import Event
from scholarnet.events.models import OutboxEvent
from scholarnet.events.transports import LocalTransport

DATABASES = ["default", "migrator"]
SRC, DST = "default", "migrator"


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    """Each test starts and ends with no migration known to the process (no query needed).

    The destination's connection is opened afresh: the schema editor of the session's
    ``migrate`` turned its foreign-key checks back on, and the alias runs without them.
    """
    connections[DST].close()
    state.reset()
    yield
    state.reset()
    connections[DST].close()


def create(model_label: str, *, mode: str = "src_only", name: str = "m") -> Migration:
    migration = services.migration_create(name=name, model_label=model_label)
    if mode != "src_only":
        services.mode_set(name=name, mode=mode)
    state.invalidate()
    return migration


def fix_events(after_id: int = 0) -> list[Event]:
    rows = OutboxEvent.objects.filter(type="migrator.fix", id__gt=after_id).order_by("id")
    return [Event.from_outbox(row) for row in rows]


def deliver_fixes(after_id: int = 0) -> list[Event]:
    """Hand the outbox's ``migrator.fix`` events to the consumer groups, as the relay does."""
    events = fix_events(after_id)
    LocalTransport().send(events)
    return events


def last_outbox_id() -> int:
    row = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return int(row or 0)
